package dev.sandboxd.containerlog;

import dev.sandboxd.errdefs.SandboxdException;

/**
 * How big one container run's log may grow, as kubelet's --container-log-max-size and
 * --container-log-max-files: the live file is rotated before it passes maxSizeBytes, and
 * maxFiles counts the live file with its rotated ones, so a run keeps at most
 * maxSizeBytes × maxFiles bytes.
 */
public record LogRotation(long maxSizeBytes, int maxFiles) {
  /** The logger cuts lines at 16 KiB (containerd's CRI does the same): a file must hold a few. */
  public static final long MIN_SIZE_BYTES = 64 << 10;

  public static final LogRotation KUBELET_DEFAULTS = new LogRotation(10 << 20, 5);

  public LogRotation {
    if (maxSizeBytes < MIN_SIZE_BYTES) {
      throw SandboxdException.invalidArgument("container-log-max-size: must be at least 64Ki, is %d bytes", maxSizeBytes);
    }
    if (maxFiles < 2) {
      throw SandboxdException.invalidArgument("container-log-max-files: must be at least 2 (the live file and one rotated), is %d",
          maxFiles);
    }
  }
}
