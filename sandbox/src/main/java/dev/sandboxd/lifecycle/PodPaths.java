package dev.sandboxd.lifecycle;

import java.nio.file.Path;

/** Where a pod's files live on the node: {@code <root>/pods/<uid>/{logs,volumes,exec}}. */
public record PodPaths(Path root) {

  public Path podDir(String podUid) {
    return root.resolve("pods").resolve(podUid);
  }

  public Path podsDir() {
    return root.resolve("pods");
  }

  public Path containerLog(String podUid, String containerName, int restartCount) {
    return podDir(podUid).resolve("logs").resolve(containerName).resolve(restartCount + ".log");
  }

  public Path execDir(String podUid) {
    return podDir(podUid).resolve("exec");
  }
}
