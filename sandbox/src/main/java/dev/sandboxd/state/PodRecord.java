package dev.sandboxd.state;

import java.time.Instant;
import java.util.List;

/**
 * What sandboxd itself must remember about a pod (containerd knows the rest): the manifest it
 * was run from, the ids it chose, and the moments containerd does not record. Persisted as JSON.
 *
 * @param stage how far the pod got; recovery finishes or rolls back anything short of Ready
 * @param pausePid 0 until the pause task started
 */
public record PodRecord(
    String uid,
    String namespace,
    String name,
    String manifest,
    boolean lenient,
    String sandboxId,
    String cgroupPath,
    Instant createdAt,
    Stage stage,
    int pausePid,
    List<ContainerRecord> containers) {

  public PodRecord {
    containers = List.copyOf(containers);
  }

  public enum Stage {
    Creating,
    Ready,
    Stopping,
    Stopped,
    Removing
  }

  /** @param startedAt null until the task started */
  public record ContainerRecord(
      String name, String containerId, String logPath, Instant startedAt, int restartCount) {}

  public PodRecord withStage(Stage next) {
    return new PodRecord(uid, namespace, name, manifest, lenient, sandboxId, cgroupPath, createdAt, next, pausePid, containers);
  }

  public PodRecord withPausePid(int pid) {
    return new PodRecord(uid, namespace, name, manifest, lenient, sandboxId, cgroupPath, createdAt, stage, pid, containers);
  }

  public PodRecord withContainers(List<ContainerRecord> next) {
    return new PodRecord(uid, namespace, name, manifest, lenient, sandboxId, cgroupPath, createdAt, stage, pausePid, next);
  }
}
