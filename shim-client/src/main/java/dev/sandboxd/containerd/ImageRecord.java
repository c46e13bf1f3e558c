package dev.sandboxd.containerd;

import java.time.Instant;
import java.util.Map;

/** An image as containerd records it. */
public record ImageRecord(
    String name, Map<String, String> labels, Descriptor target, Instant createdAt, Instant updatedAt) {
  public ImageRecord {
    labels = Map.copyOf(labels);
  }
}
