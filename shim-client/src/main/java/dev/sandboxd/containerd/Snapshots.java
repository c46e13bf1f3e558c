package dev.sandboxd.containerd;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One snapshotter of containerd (e.g. overlayfs). Committed snapshots are named by the chain ID
 * of the layers they hold; active and view snapshots by a key the caller picks.
 */
public interface Snapshots {
  String DEFAULT_SNAPSHOTTER = "overlayfs";

  /** The snapshotter these calls go to. */
  String snapshotter();

  /** A writable snapshot on top of {@code parent} (empty for none); returns how to mount it. */
  List<Mount> prepare(String key, String parent, Map<String, String> labels);

  /** A read-only snapshot of {@code parent}; returns how to mount it. */
  List<Mount> view(String key, String parent, Map<String, String> labels);

  /** How to mount an existing active or view snapshot. */
  List<Mount> mounts(String key);

  /** Turns the active snapshot {@code key} into the committed snapshot {@code name}. */
  void commit(String name, String key, Map<String, String> labels);

  void remove(String key);

  /** The snapshot, or empty if there is none of that key or name. */
  Optional<SnapshotInfo> stat(String key);

  /** Snapshots matching any of the filters (e.g. {@code labels."sandboxd.pod"==web-1}); all when none. */
  List<SnapshotInfo> list(String... filters);
}
