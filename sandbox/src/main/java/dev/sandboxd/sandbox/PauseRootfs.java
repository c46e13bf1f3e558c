package dev.sandboxd.sandbox;

import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.ContainerInfo;
import dev.sandboxd.runtime.ContainerRuntime.RootfsMount;
import dev.sandboxd.runtime.Labels;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The pause containers' root filesystem: one read-only view of the pause image per containerd
 * namespace, which every pod's pause container names. pause never writes, so a view of its own
 * per pod (a snapshot made and removed with each pod: two more metadata transactions in
 * containerd, ~5 ms of every pod start) would buy nothing. The view is a root of containerd's GC,
 * so it does not go with the last pod under the next one's feet, and it is sandboxd's: a view of
 * a chain that is no longer the pause image's is removed once no pause container names it (looked
 * at when the chain changes, at the first pod after a start, and as pauses naming it go).
 */
final class PauseRootfs {
  private static final Logger LOG = System.getLogger("dev.sandboxd.sandbox");
  /** The role label of the shared views (a pause container's is {@link Labels#ROLE_PAUSE}). */
  static final String ROLE = "pause-rootfs";
  static final String KEY_PREFIX = "sandboxd-pause-rootfs-";
  /** containerd's GC keeps an object that carries this label (its value is informational). */
  static final String GC_ROOT_LABEL = "containerd.io/gc.root";

  private final ContainerRuntime runtime;
  private final Clock clock;
  /**
   * Held shared while a pause container that will name a view is made, exclusively while unused
   * views are looked for and removed: containerd neither checks that a container's snapshot exists
   * nor keeps a named one from removal, so no view may go between its lookup and the container.
   */
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile View current;

  /** The view of one image chain: its snapshot key and how to mount it. */
  record View(String chainId, String key, List<RootfsMount> mounts) {}

  PauseRootfs(ContainerRuntime runtime, Clock clock) {
    this.runtime = runtime;
    this.clock = clock;
  }

  /**
   * Makes the pause container with the key of the chain's view ({@code create}), the view made or
   * looked up first when the chain is new to this sandboxd (no call to containerd otherwise).
   */
  View createOn(String chainId, Consumer<String> create) {
    lock.readLock().lock();
    try {
      View view = current;
      if (view == null || !view.chainId().equals(chainId)) {
        lock.readLock().unlock();
        lock.writeLock().lock();
        try {
          view = current;
          if (view == null || !view.chainId().equals(chainId)) {
            String key = keyOf(chainId);
            view = new View(chainId, key, runtime.sharedView(key, chainId,
                Map.of(Labels.ROLE, ROLE, GC_ROOT_LABEL, clock.instant().toString())));
            current = view;
            removeUnused();
          }
        } finally {
          lock.readLock().lock(); // taken back before the write lock goes: no removal in between
          lock.writeLock().unlock();
        }
      }
      create.accept(view.key());
      return view;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A pause container naming the view of {@code key} is gone: the view goes too if it is an earlier image's and unnamed. */
  void released(String key) {
    View view = current;
    if (view == null || view.key().equals(key)) {
      return;
    }
    lock.writeLock().lock();
    try {
      removeUnused();
    } finally {
      lock.writeLock().unlock();
    }
  }

  static String keyOf(String chainId) {
    return KEY_PREFIX + chainId.replace(':', '-');
  }

  /** Views other than the current one that no pause container names (an earlier pause image's). */
  private void removeUnused() {
    String keep = current.key();
    try {
      Set<String> named = runtime.listContainers(Map.of(Labels.ROLE, Labels.ROLE_PAUSE)).stream()
          .map(ContainerInfo::snapshotKey)
          .collect(Collectors.toSet());
      for (String key : runtime.snapshotKeys(Map.of(Labels.ROLE, ROLE))) {
        if (!key.equals(keep) && !named.contains(key)) {
          runtime.removeSnapshot(key);
        }
      }
    } catch (RuntimeException e) {
      // Tidying only: no pod depends on it; it is tried again when the next pause naming an old view goes.
      LOG.log(Level.WARNING, "removing unused pause rootfs views: {0}", e.getMessage());
    }
  }
}
