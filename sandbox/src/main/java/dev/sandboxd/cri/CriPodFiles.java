package dev.sandboxd.cri;

import dev.sandboxd.pod.PodMeta;
import java.nio.file.Path;

/**
 * What kubelet keeps on the node for a CRI pod, under one directory per pod (kubelet splits it
 * between /var/log/pods and /var/lib/kubelet/pods): the log directory CRI writes container logs
 * into, and the emptyDir volumes.
 *
 * @param dir {@code <root>/<namespace>_<name>_<uid>}, kubelet's name for a pod's log directory
 */
public record CriPodFiles(Path dir) {

  public static CriPodFiles of(Path root, PodMeta meta) {
    return of(root, meta.namespace(), meta.name(), meta.uid());
  }

  public static CriPodFiles of(Path root, String namespace, String name, String uid) {
    return new CriPodFiles(root.resolve(namespace + "_" + name + "_" + uid));
  }

  /** PodSandboxConfig.log_directory; each container logs to {@code <container>/<attempt>.log} below it. */
  public Path logDirectory() {
    return dir.resolve("logs");
  }

  public Path emptyDir(String volume) {
    return dir.resolve("volumes").resolve(volume);
  }
}
