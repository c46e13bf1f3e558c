package dev.sandboxd.containerd;

import java.time.Instant;
import java.util.Map;

/** A containerd lease. */
public record Lease(String id, Instant createdAt, Map<String, String> labels) {
  public Lease {
    labels = Map.copyOf(labels);
  }
}
