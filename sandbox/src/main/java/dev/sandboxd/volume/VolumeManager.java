package dev.sandboxd.volume;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.Volume;
import dev.sandboxd.pod.VolumeMount;
import dev.sandboxd.spec.VolumeBind;
import dev.sandboxd.system.Mounts;
import dev.sandboxd.system.PathHandles;
import dev.sandboxd.system.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prepares a pod's volumes on the node and resolves each container's mounts to host paths.
 * emptyDirs live under {@code <root>/pods/<uid>/volumes/<name>} (tmpfs for medium Memory) and go
 * with the pod; hostPaths are the host's and are never deleted. subPaths are bind-mounted by
 * {@link SubPathMounts} onto {@code <root>/pods/<uid>/subpaths/<container id>/<mount index>},
 * which runc then mounts into the container.
 */
public final class VolumeManager {
  private final Path podsRoot;
  private final Mounts mounts;
  private final SubPathMounts subPaths;

  public VolumeManager(Path podsRoot, Mounts mounts, PathHandles handles) {
    this.podsRoot = podsRoot;
    this.mounts = mounts;
    this.subPaths = new SubPathMounts(handles, mounts);
  }

  /** Where each volume of the pod lives on the node (what {@link #prepare} makes ready). */
  public Map<String, Path> prepared(Pod pod) {
    Map<String, Path> paths = new HashMap<>();
    for (Volume volume : pod.spec().volumes()) {
      if (volume.source() instanceof Volume.EmptyDir) {
        paths.put(volume.name(), volumesDir(pod).resolve(volume.name()));
      } else if (volume.source() instanceof Volume.HostPath hostPath) {
        paths.put(volume.name(), Path.of(hostPath.path()));
      }
    }
    return paths;
  }

  /** Creates or checks every volume of the pod; returns each volume's host directory or file. */
  public Map<String, Path> prepare(Pod pod) {
    Map<String, Path> prepared = new HashMap<>();
    for (Volume volume : pod.spec().volumes()) {
      String field = "spec.volumes[" + volume.name() + "]";
      try {
        if (volume.source() instanceof Volume.EmptyDir emptyDir) {
          Path dir = volumesDir(pod).resolve(volume.name());
          PrivateFiles.directories(dir.getParent());
          Files.createDirectories(dir);
          if (emptyDir.memoryMedium() && !mounts.isMountPoint(dir)) {
            mounts.mountTmpfs(dir, emptyDir.sizeLimitBytes());
          }
          // As kubelet makes it: any user of the pod's containers may write there. The pod's
          // directory above is 0700, so other users of the node cannot reach it.
          Files.setPosixFilePermissions(dir, EMPTY_DIR_MODE);
          prepared.put(volume.name(), dir);
        } else if (volume.source() instanceof Volume.HostPath hostPath) {
          prepared.put(volume.name(), HostPaths.prepare(Path.of(hostPath.path()), hostPath.type(), field + ".hostPath"));
        }
      } catch (IOException e) {
        throw SandboxdException.internal(field + ": preparing volume: " + e.getMessage(), e);
      }
    }
    return prepared;
  }

  /**
   * The bind mounts of one run of a container (containerId): a volume as prepared, a subPath
   * staged by {@link SubPathMounts}. A subPath that leaves its volume is refused; on failure no
   * staging mount of the run is left.
   */
  public List<VolumeBind> binds(Pod pod, Container container, String containerId) {
    Map<String, Path> prepared = prepared(pod);
    String uid = pod.metadata().uid();
    // A run's id is new, but a crash may have left a staging directory under it.
    releaseContainer(uid, containerId);
    List<VolumeBind> binds = new ArrayList<>();
    try {
      for (int i = 0; i < container.volumeMounts().size(); i++) {
        VolumeMount mount = container.volumeMounts().get(i);
        Path volumeRoot = prepared.get(mount.name());
        if (volumeRoot == null) {
          throw SandboxdException.invalidArgument(
              "containers[%s].volumeMounts: unknown volume \"%s\"", container.name(), mount.name());
        }
        Path source = volumeRoot;
        if (mount.subPath().isPresent()) {
          source = subPaths.stage(volumeRoot, mount.subPath().get(), stagingDir(uid, containerId).resolve(Integer.toString(i)),
              "containers[" + container.name() + "].volumeMounts[" + i + "].subPath");
        }
        binds.add(new VolumeBind(source.toString(), mount.mountPath(), mount.readOnly()));
      }
      return binds;
    } catch (RuntimeException e) {
      try {
        releaseContainer(uid, containerId);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** Unmounts and deletes the subPath staging mounts of one run of a container (gone or going). Idempotent. */
  public void releaseContainer(String podUid, String containerId) {
    try {
      subPaths.unmountAndDelete(podsRoot.resolve(podUid).resolve("subpaths").resolve(containerId));
    } catch (IOException e) {
      throw SandboxdException.internal("removing subPath mounts of container " + containerId + ": " + e.getMessage(), e);
    }
  }

  /** After a crash: releases the staging mounts of every run of the pod but the current ones. */
  public void releaseContainersExcept(String podUid, Set<String> currentIds) {
    Path dir = podsRoot.resolve(podUid).resolve("subpaths");
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var runs = Files.list(dir)) {
      for (Path run : (Iterable<Path>) runs::iterator) {
        if (!currentIds.contains(run.getFileName().toString())) {
          releaseContainer(podUid, run.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw SandboxdException.internal("listing subPath mounts of pod " + podUid + ": " + e.getMessage(), e);
    }
  }

  /** Only sandboxd may reach a staging path: nothing a container controls may lie on the way to it. */
  private Path stagingDir(String podUid, String containerId) {
    Path dir = podsRoot.resolve(podUid).resolve("subpaths").resolve(containerId);
    try {
      for (Path p : List.of(dir.getParent(), dir)) {
        if (!Files.isDirectory(p)) {
          Files.createDirectories(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
      }
      return dir;
    } catch (IOException e) {
      throw SandboxdException.internal("creating " + dir + ": " + e.getMessage(), e);
    }
  }

  static final Set<PosixFilePermission> EMPTY_DIR_MODE = PosixFilePermissions.fromString("rwxrwxrwx");

  /**
   * Unmounts everything mounted below the pod's directory (memory emptyDirs, subPath staging
   * mounts, also those a crash left), then deletes it. Safe to call again and on a half-made pod.
   */
  public void cleanup(String podUid) throws IOException {
    subPaths.unmountAndDelete(podsRoot.resolve(podUid));
  }

  private Path volumesDir(Pod pod) {
    return podsRoot.resolve(pod.metadata().uid()).resolve("volumes");
  }

  /** The per-pod directory sandboxd owns on the node (volumes, logs, exec pipes). */
  public Path podDir(String podUid) {
    return podsRoot.resolve(podUid);
  }

}
