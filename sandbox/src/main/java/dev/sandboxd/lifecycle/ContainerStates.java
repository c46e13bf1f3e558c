package dev.sandboxd.lifecycle;

import dev.sandboxd.probe.ContainerReadiness;
import dev.sandboxd.pod.Container;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Termination;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** A container's Kubernetes state from containerd's task state and sandboxd's record of it. */
final class ContainerStates {
  private ContainerStates() {}

  static ContainerStatus of(
      Container c, ContainerRecord record, Optional<TaskInfo> task, boolean podHasInit, ContainerReadiness readiness, Instant now,
      BooleanSupplier cgroupOomKill) {
    ContainerStatus.State state = state(task, record, podHasInit, now, cgroupOomKill);
    boolean running = state instanceof ContainerStatus.Running;
    return new ContainerStatus(
        c.name(),
        c.image(),
        record.containerId(),
        state,
        Optional.ofNullable(record.lastTermination()).map(ContainerStates::terminated),
        running ? task.get().pid() : 0,
        record.restartCount(),
        running && readiness.started(record.containerId()),
        running && readiness.ready(record.containerId()),
        record.logPath());
  }

  static ContainerStatus.State state(
      Optional<TaskInfo> task, ContainerRecord record, boolean podHasInit, Instant now, BooleanSupplier cgroupOomKill) {
    Optional<Instant> started = Optional.ofNullable(record.startedAt());
    if (task.isPresent()
        && (task.get().status() == ContainerRuntime.TaskStatus.Running || task.get().status() == ContainerRuntime.TaskStatus.Paused)) {
      return new ContainerStatus.Running(started.orElse(Instant.EPOCH));
    }
    if (record.restartAt() != null) {
      long seconds = Math.max(0, Duration.between(now, record.restartAt()).toSeconds());
      return new ContainerStatus.Waiting("CrashLoopBackOff",
          "back-off " + seconds + "s restarting failed container " + record.name());
    }
    if (task.isPresent() && task.get().status() == ContainerRuntime.TaskStatus.Stopped) {
      return terminated(termination(record, task.get(), cgroupOomKill));
    }
    if (task.isEmpty() && started.isEmpty() && record.lastTermination() != null
        && "StartError".equals(record.lastTermination().reason())) {
      return terminated(record.lastTermination());
    }
    if (task.isEmpty() && started.isEmpty()) {
      return new ContainerStatus.Waiting(podHasInit ? "PodInitializing" : "ContainerCreating", "");
    }
    if (task.isPresent() && task.get().status() == ContainerRuntime.TaskStatus.Created) {
      return new ContainerStatus.Waiting("ContainerCreating", "");
    }
    return new ContainerStatus.Waiting("Unknown", "the container's task is gone");
  }

  /**
   * How the current run of a stopped task ended. An OOM kill wins over the exit code when
   * containerd reported one, or when an exit 137 comes with an oom_kill in the container's cgroup.
   */
  static Termination termination(ContainerRecord record, TaskInfo task, BooleanSupplier cgroupOomKill) {
    boolean oomKilled = record.oomKilled() || (task.exitCode() == 137 && cgroupOomKill.getAsBoolean());
    String reason = oomKilled ? "OOMKilled" : task.exitCode() == 0 ? "Completed" : "Error";
    return new Termination(task.exitCode(), reason, record.startedAt(), task.exitedAt().orElse(Instant.EPOCH));
  }

  static ContainerStatus.Terminated terminated(Termination t) {
    return new ContainerStatus.Terminated(t.exitCode(), t.reason(), "", Optional.ofNullable(t.startedAt()), t.finishedAt());
  }
}
