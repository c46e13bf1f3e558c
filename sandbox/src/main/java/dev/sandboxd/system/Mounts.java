package dev.sandboxd.system;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Mount-table side effects sandboxd needs (tmpfs for memory-backed volumes, subPath staging mounts). */
public interface Mounts {

  /** Mounts a tmpfs at target, limited to sizeBytes when given. */
  void mountTmpfs(Path target, Optional<Long> sizeBytes) throws IOException;

  /** Mounts a pod's /dev/shm tmpfs at target: mode 1777, nosuid, nodev, noexec, as containerd's CRI does. */
  void mountShm(Path target, long sizeBytes) throws IOException;

  /** Lazily unmounts target if something is mounted there; absent or unmounted is fine. */
  void unmountIfMounted(Path target) throws IOException;

  boolean isMountPoint(Path path) throws IOException;

  /** Every mount point at or below dir, the most recent mount first (the order to unmount them in). */
  List<Path> mountPointsUnder(Path dir) throws IOException;
}
