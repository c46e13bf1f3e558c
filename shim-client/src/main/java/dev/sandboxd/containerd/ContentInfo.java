package dev.sandboxd.containerd;

import java.time.Instant;
import java.util.Map;

/** A blob in the content store. */
public record ContentInfo(String digest, long size, Map<String, String> labels, Instant createdAt, Instant updatedAt) {
  public ContentInfo {
    labels = Map.copyOf(labels);
  }
}
