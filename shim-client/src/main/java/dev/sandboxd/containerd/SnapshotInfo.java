package dev.sandboxd.containerd;

import java.time.Instant;
import java.util.Map;

/** A snapshot: its name (key), its parent's name (empty for none), kind and labels. */
public record SnapshotInfo(
    String name, String parent, Kind kind, Map<String, String> labels, Instant createdAt, Instant updatedAt) {

  public enum Kind {
    UNKNOWN,
    VIEW,
    ACTIVE,
    COMMITTED
  }

  public SnapshotInfo {
    labels = Map.copyOf(labels);
  }
}
