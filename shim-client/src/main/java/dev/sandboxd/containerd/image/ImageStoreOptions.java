package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Snapshots;
import dev.sandboxd.errdefs.SandboxdException;
import java.time.Duration;

/**
 * @param platform the platform this node runs: what is unpacked and resolved
 * @param snapshotter where images are unpacked
 * @param maxBlobSize largest blob (layer) an archive may hold
 * @param leaseExpiry how long an import's lease outlives a crash in the middle of it
 */
public record ImageStoreOptions(Platform platform, String snapshotter, long maxBlobSize, Duration leaseExpiry) {
  public static final ImageStoreOptions DEFAULTS =
      new ImageStoreOptions(Platform.LINUX_AMD64, Snapshots.DEFAULT_SNAPSHOTTER, 8L << 30, Duration.ofHours(24));

  public ImageStoreOptions {
    if (maxBlobSize <= 0) {
      throw SandboxdException.invalidArgument("images.maxBlobSize: must be positive, got %d", maxBlobSize);
    }
    if (snapshotter == null || snapshotter.isEmpty()) {
      throw SandboxdException.invalidArgument("images.snapshotter: must not be empty");
    }
  }
}
