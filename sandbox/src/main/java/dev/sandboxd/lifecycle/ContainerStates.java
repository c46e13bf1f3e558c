package dev.sandboxd.lifecycle;

import dev.sandboxd.pod.Container;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** A container's Kubernetes state from containerd's task state and sandboxd's record. */
final class ContainerStates {
  /** What a process killed by SIGKILL exits with, as containerd reports it. */
  static final int SIGKILL_EXIT_CODE = 137;

  private ContainerStates() {}

  /**
   * @param oomKilled whether the OOM killer struck in the container's cgroup (its memory.events
   *     oom_kill; a /tasks/oom event seen for the container may answer true as well); asked only
   *     for a task that exited with 137
   */
  static ContainerStatus of(
      Container c, ContainerRecord record, Stage stage, ContainerRuntime runtime, BooleanSupplier oomKilled) {
    Optional<TaskInfo> task = runtime.task(record.containerId());
    return new ContainerStatus(
        c.name(),
        c.image(),
        record.containerId(),
        state(task, record, stage, oomKilled),
        task.filter(t -> t.status() == ContainerRuntime.TaskStatus.Running).map(TaskInfo::pid).orElse(0),
        record.restartCount(),
        record.logPath());
  }

  static ContainerStatus.State state(
      Optional<TaskInfo> task, ContainerRecord record, Stage stage, BooleanSupplier oomKilled) {
    Optional<Instant> started = Optional.ofNullable(record.startedAt());
    if (task.isEmpty()) {
      if (stage == Stage.Creating || started.isEmpty()) {
        return new ContainerStatus.Waiting("ContainerCreating", "");
      }
      return new ContainerStatus.Waiting("Unknown", "the container's task is gone");
    }
    TaskInfo t = task.get();
    switch (t.status()) {
      case Running:
      case Paused:
        return new ContainerStatus.Running(started.orElse(Instant.EPOCH));
      case Stopped:
        return new ContainerStatus.Terminated(
            t.exitCode(), terminationReason(t.exitCode(), oomKilled), "", started, t.exitedAt().orElse(Instant.EPOCH));
      case Created:
        return new ContainerStatus.Waiting("ContainerCreating", "");
      default:
        return new ContainerStatus.Waiting("Unknown", "containerd reports the task's state as unknown");
    }
  }

  /** Kubernetes' reasons: OOMKilled when the kernel's OOM killer ended it with SIGKILL. */
  static String terminationReason(int exitCode, BooleanSupplier oomKilled) {
    if (exitCode == 0) {
      return "Completed";
    }
    return exitCode == SIGKILL_EXIT_CODE && oomKilled.getAsBoolean() ? "OOMKilled" : "Error";
  }
}
