package dev.sandboxd.network;

import java.nio.file.Path;

/**
 * Pinned network namespaces: a new namespace held by a bind mount of its nsfs file onto an empty
 * file, so it lives without a process in it (containerd's netns pinning). The syscalls behind an
 * interface, so the CNI logic is testable without root.
 */
public interface NetnsPins {

  /** Creates file and pins a new network namespace on it (lo exists and is down). */
  void create(Path file);

  /** Unmounts and removes file; nothing to do when it is gone. */
  void remove(Path file);
}
