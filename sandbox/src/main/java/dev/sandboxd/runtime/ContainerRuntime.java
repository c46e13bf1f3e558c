package dev.sandboxd.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The containerd operations the pod logic needs, in its own terms. One implementation talks to
 * containerd; tests use a fake. "Not found" on removal calls is success: removal is idempotent.
 */
public interface ContainerRuntime {

  void removeSnapshot(String snapshotKey);

  /**
   * A read-only view of the image chain for any number of containers to name as their rootfs
   * (see {@link #createContainer(ContainerCreate)}), made with the given labels unless it exists;
   * returns how to mount it.
   */
  List<RootfsMount> sharedView(String snapshotKey, String chainId, Map<String, String> labels);

  /** The keys of the snapshots that carry every given label. */
  List<String> snapshotKeys(Map<String, String> labels);

  /**
   * Creates the container and its rootfs snapshot (writable, or a read-only view) of the image
   * chain, as one step: a snapshot must never be left without the container that references it.
   * Returns the rootfs mounts; on failure neither is left.
   */
  List<RootfsMount> createContainer(ContainerCreate container, String chainId, boolean readOnlyRootfs);

  /** Creates the container alone, on a snapshot that is not its own and outlives it (a shared view). */
  void createContainer(ContainerCreate container);

  void deleteContainer(String containerId);

  /** The OCI spec (JSON) the container was created with. */
  byte[] containerSpec(String containerId);

  /** Containers whose labels include every given label. */
  List<ContainerInfo> listContainers(Map<String, String> labels);

  /** Creates the container's task; stdout and stderr go to logUri ("" for none). Returns the task's pid. */
  int createTask(String containerId, List<RootfsMount> rootfs, String logUri);

  void startTask(String containerId);

  void killTask(String containerId, int signal);

  /** The task's state, or empty when the container has no task. */
  Optional<TaskInfo> task(String containerId);

  /** Waits for the task to exit; empty when it still runs after timeout. */
  Optional<TaskExit> waitTask(String containerId, Duration timeout);

  /** Deletes the task (it must have exited); empty when there was none. */
  Optional<TaskExit> deleteTask(String containerId);

  /** Runs a process in the task; output goes to the given fifo or file paths. */
  Optional<TaskExit> exec(ExecProcess process, Duration timeout);

  /** Adds the process to the task and starts it; the caller waits for it and deletes it. */
  void startExec(ExecProcess process);

  /** Waits for an exec'd process to exit; empty when it still runs after timeout. */
  Optional<TaskExit> waitExec(String containerId, String execId, Duration timeout);

  /** Sets the size of an exec'd process's terminal. */
  void resizeExec(String containerId, String execId, int width, int height);

  /** SIGKILL to an exec'd process, then deletes it (waiting at most a few seconds). Idempotent. */
  void killAndDeleteExec(String containerId, String execId);

  record RootfsMount(String type, String source, String target, List<String> options) {
    public RootfsMount {
      options = List.copyOf(options);
    }
  }

  record ContainerCreate(
      String id, String image, Map<String, String> labels, byte[] specJson, String snapshotKey) {
    public ContainerCreate {
      labels = Map.copyOf(labels);
    }
  }

  /**
   * @param snapshotKey the snapshot it names as its rootfs
   * @param sandboxId the sandbox containerd files the container under ("" for none; CRI's containers have their pod's)
   */
  record ContainerInfo(
      String id, String image, Map<String, String> labels, Instant createdAt, String snapshotKey, String sandboxId) {
    public ContainerInfo {
      labels = Map.copyOf(labels);
    }
  }

  enum TaskStatus {
    Created,
    Running,
    Stopped,
    Paused,
    Unknown
  }

  record TaskInfo(String containerId, int pid, TaskStatus status, int exitCode, Optional<Instant> exitedAt) {}

  record TaskExit(int exitCode, Instant exitedAt) {}

  /**
   * An exec: processSpecJson is an OCI process; stdin/stdout/stderr are paths the shim opens ("":
   * none); with terminal, the process's terminal is copied to stdout.
   */
  record ExecProcess(
      String containerId, String execId, byte[] processSpecJson, String stdin, String stdout, String stderr, boolean terminal) {}
}
