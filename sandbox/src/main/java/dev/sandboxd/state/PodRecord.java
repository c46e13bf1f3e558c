package dev.sandboxd.state;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.supervisor.RestartBackOff;
import java.time.Instant;
import java.util.List;

/**
 * What sandboxd itself must remember about a pod (containerd knows the rest): the manifest it
 * was run from, the ids it chose, and the moments containerd does not record. Persisted as JSON.
 *
 * @param stage how far the pod got; recovery finishes or rolls back anything short of Ready
 * @param pausePid 0 until the pause task started
 * @param network the pod's own network namespace and addresses; null while it has none (not yet
 *     made, hostNetwork, or --network none)
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
    List<ContainerRecord> containers,
    NetworkRecord network) {

  public PodRecord {
    containers = List.copyOf(containers);
  }

  /**
   * The pod's pinned network namespace, recorded before CNI ADD so that a crash during it leaves
   * something to DEL, then its addresses once ADD returned them.
   */
  public record NetworkRecord(String netnsPath, List<String> ips) {
    public NetworkRecord {
      ips = ips == null ? List.of() : List.copyOf(ips);
    }
  }

  public enum Stage {
    Creating,
    /** Sandbox up; init containers, then app containers, are being started and supervised. */
    Ready,
    Stopping,
    Stopped,
    /** The pause task died under restartPolicy Never: containers killed, the pod Failed. */
    SandboxLost,
    Removing
  }

  /**
   * One container across its restarts: the current run's ids and start, how the previous run
   * ended, and the restart back-off.
   *
   * @param startedAt null until the current task started
   * @param lastTermination null until a run ended
   * @param backOff null until the first restart
   * @param restartAt null unless a restart is scheduled (the container shows CrashLoopBackOff)
   * @param oomKilled whether containerd reported an OOM kill for the current run
   * @param stopSignal the signal that stops it, from its image when it was created (0 in records
   *     of older sandboxd versions: SIGTERM, as CRI does when it does not know)
   */
  public record ContainerRecord(
      String name,
      String containerId,
      String logPath,
      Instant startedAt,
      int restartCount,
      Termination lastTermination,
      RestartBackOff.State backOff,
      Instant restartAt,
      boolean oomKilled,
      int stopSignal) {

    /** A container that has not run yet. */
    public static ContainerRecord first(String name, String containerId, String logPath, int stopSignal) {
      return new ContainerRecord(name, containerId, logPath, null, 0, null, null, null, false, stopSignal);
    }

    public ContainerRecord started(Instant at) {
      return new ContainerRecord(name, containerId, logPath, at, restartCount, lastTermination, backOff, null, false, stopSignal);
    }

    /** The current run could not even start: no task to read its end from later, so it is kept now. */
    public ContainerRecord startFailed(Termination ended) {
      return new ContainerRecord(name, containerId, logPath, null, restartCount, ended, backOff, null, false, stopSignal);
    }

    /** The current run was cut short before it started: it starts afresh under a new id. */
    public ContainerRecord withContainerId(String newContainerId) {
      return new ContainerRecord(name, newContainerId, logPath, null, restartCount, lastTermination, backOff, null, false,
          stopSignal);
    }

    public ContainerRecord withOomKill() {
      return new ContainerRecord(name, containerId, logPath, startedAt, restartCount, lastTermination, backOff, restartAt, true,
          stopSignal);
    }

    public ContainerRecord restartScheduled(Instant at) {
      return new ContainerRecord(name, containerId, logPath, startedAt, restartCount, lastTermination, backOff, at, oomKilled,
          stopSignal);
    }

    /** The next run: a new container id and log file, the ended run remembered. */
    public ContainerRecord nextRun(String newContainerId, String newLogPath, Termination ended, RestartBackOff.State newBackOff) {
      return new ContainerRecord(name, newContainerId, newLogPath, null, restartCount + 1, ended, newBackOff, null, false,
          stopSignal);
    }
  }

  /** How a container's run ended. */
  public record Termination(int exitCode, String reason, Instant startedAt, Instant finishedAt) {}

  public ContainerRecord container(String name) {
    return containers.stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> SandboxdException.notFound("container %s not found in pod %s/%s", name, namespace, this.name));
  }

  public PodRecord withContainer(ContainerRecord updated) {
    List<ContainerRecord> next = new java.util.ArrayList<>();
    for (ContainerRecord c : containers) {
      next.add(c.name().equals(updated.name()) ? updated : c);
    }
    return withContainers(next);
  }

  public PodRecord withSandbox(String newSandboxId) {
    return new PodRecord(uid, namespace, name, manifest, lenient, newSandboxId, cgroupPath, createdAt, stage, 0, containers, network);
  }

  public PodRecord withStage(Stage next) {
    return new PodRecord(uid, namespace, name, manifest, lenient, sandboxId, cgroupPath, createdAt, next, pausePid, containers, network);
  }

  public PodRecord withPausePid(int pid) {
    return new PodRecord(uid, namespace, name, manifest, lenient, sandboxId, cgroupPath, createdAt, stage, pid, containers, network);
  }

  public PodRecord withNetwork(NetworkRecord next) {
    return new PodRecord(uid, namespace, name, manifest, lenient, sandboxId, cgroupPath, createdAt, stage, pausePid, containers,
        next);
  }

  public PodRecord withContainers(List<ContainerRecord> next) {
    return new PodRecord(uid, namespace, name, manifest, lenient, sandboxId, cgroupPath, createdAt, stage, pausePid, next, network);
  }
}
