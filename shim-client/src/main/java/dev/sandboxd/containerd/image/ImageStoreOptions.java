package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Snapshots;
import dev.sandboxd.errdefs.SandboxdException;
import java.time.Duration;

/**
 * @param platform the platform this node runs: what is unpacked and resolved
 * @param snapshotter where images are unpacked
 * @param maxBlobSize largest blob (layer) an archive may hold
 * @param leaseExpiry how long an import's lease outlives a crash in the middle of it
 * @param maxUnpackedSize most bytes one import may unpack (its new layers, uncompressed)
 */
public record ImageStoreOptions(
    Platform platform, String snapshotter, long maxBlobSize, Duration leaseExpiry, long maxUnpackedSize) {
  /** 10 GiB: far more than any image sandboxd runs, far less than a zip bomb makes of a disk. */
  public static final long DEFAULT_MAX_UNPACKED_SIZE = 10L << 30;
  public static final ImageStoreOptions DEFAULTS = new ImageStoreOptions(
      Platform.LINUX_AMD64, Snapshots.DEFAULT_SNAPSHOTTER, 8L << 30, Duration.ofHours(24), DEFAULT_MAX_UNPACKED_SIZE);

  public ImageStoreOptions {
    if (maxBlobSize <= 0) {
      throw SandboxdException.invalidArgument("images.maxBlobSize: must be positive, got %d", maxBlobSize);
    }
    if (maxUnpackedSize <= 0) {
      throw SandboxdException.invalidArgument("image-max-unpacked-size: must be positive, got %d", maxUnpackedSize);
    }
    if (snapshotter == null || snapshotter.isEmpty()) {
      throw SandboxdException.invalidArgument("images.snapshotter: must not be empty");
    }
  }

  public ImageStoreOptions withMaxUnpackedSize(long bytes) {
    return new ImageStoreOptions(platform, snapshotter, maxBlobSize, leaseExpiry, bytes);
  }
}
