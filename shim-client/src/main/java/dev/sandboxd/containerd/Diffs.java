package dev.sandboxd.containerd;

import java.util.List;

/** containerd's diff service: applies layers onto mounted snapshots. */
public interface Diffs {
  /**
   * Unpacks the layer blob onto the mounts (of an active snapshot); returns the descriptor of what
   * was applied, whose digest is the layer's uncompressed digest (its diff ID).
   */
  Descriptor apply(Descriptor layer, List<Mount> mounts);
}
