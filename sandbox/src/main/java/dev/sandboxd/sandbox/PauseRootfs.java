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
import java.util.stream.Collectors;

/**
 * The pause containers' root filesystem: one read-only view of the pause image per containerd
 * namespace, which every pod's pause container names. pause never writes, so a view of its own
 * per pod (a snapshot made and removed with each pod: two more metadata transactions in
 * containerd, ~5 ms of every pod start) would buy nothing. The view is a root of containerd's GC,
 * so it does not go with the last pod under the next one's feet, and it is sandboxd's: a view of
 * a chain that is no longer the pause image's is removed once no pause container names it.
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
  private volatile View current;

  /** The view of one image chain: its snapshot key and how to mount it. */
  record View(String chainId, String key, List<RootfsMount> mounts) {}

  PauseRootfs(ContainerRuntime runtime, Clock clock) {
    this.runtime = runtime;
    this.clock = clock;
  }

  /** The view of the chain, made or looked up at the first pod and after a chain change (no call to containerd otherwise). */
  View of(String chainId) {
    View view = current;
    if (view != null && view.chainId().equals(chainId)) {
      return view;
    }
    synchronized (this) {
      view = current;
      if (view != null && view.chainId().equals(chainId)) {
        return view;
      }
      String key = keyOf(chainId);
      List<RootfsMount> mounts = runtime.sharedView(key, chainId,
          Map.of(Labels.ROLE, ROLE, GC_ROOT_LABEL, clock.instant().toString()));
      removeUnused(key);
      current = new View(chainId, key, mounts);
      return current;
    }
  }

  /**
   * Looks at the view again for the next pod: after a pause task failed to start, in case it
   * was the view (removed behind sandboxd's back).
   */
  void forget() {
    current = null;
  }

  static String keyOf(String chainId) {
    return KEY_PREFIX + chainId.replace(':', '-');
  }

  /** Views of other chains (an earlier pause image's) that no pause container names any more. */
  private void removeUnused(String keep) {
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
      // Tidying only: the pod being started does not depend on it; the next chain change tries again.
      LOG.log(Level.WARNING, "removing unused pause rootfs views: {0}", e.getMessage());
    }
  }
}
