package dev.sandboxd.lifecycle;

import dev.sandboxd.pod.Container;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import java.time.Instant;
import java.util.Optional;

/** A container's Kubernetes state from containerd's task state and sandboxd's record. */
final class ContainerStates {
  private ContainerStates() {}

  static ContainerStatus of(Container c, ContainerRecord record, Stage stage, ContainerRuntime runtime) {
    Optional<TaskInfo> task = runtime.task(record.containerId());
    return new ContainerStatus(
        c.name(),
        c.image(),
        record.containerId(),
        state(task, record, stage),
        task.filter(t -> t.status() == ContainerRuntime.TaskStatus.Running).map(TaskInfo::pid).orElse(0),
        record.restartCount(),
        record.logPath());
  }

  static ContainerStatus.State state(Optional<TaskInfo> task, ContainerRecord record, Stage stage) {
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
            t.exitCode(), t.exitCode() == 0 ? "Completed" : "Error", "", started, t.exitedAt().orElse(Instant.EPOCH));
      case Created:
        return new ContainerStatus.Waiting("ContainerCreating", "");
      default:
        return new ContainerStatus.Waiting("Unknown", "containerd reports the task's state as unknown");
    }
  }
}
