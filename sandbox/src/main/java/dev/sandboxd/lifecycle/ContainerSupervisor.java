package dev.sandboxd.lifecycle;

import dev.sandboxd.container.Signals;
import dev.sandboxd.lifecycle.ExitDecisions.ContainerKind;
import dev.sandboxd.lifecycle.ExitDecisions.Decision;
import dev.sandboxd.lifecycle.ExitDecisions.RestartAt;
import dev.sandboxd.lifecycle.ExitDecisions.Stays;
import dev.sandboxd.lifecycle.LifecycleEvent.Type;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.RestartPolicy;
import dev.sandboxd.runtime.ContainerRuntime.TaskExit;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import dev.sandboxd.state.PodRecord.Termination;
import dev.sandboxd.supervisor.Scheduler;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * How an exit is acted on: a container's exit is decided by {@link ExitDecisions} (restart now,
 * after its back-off, or never) and the pod moves on; a dead pause task rebuilds the sandbox or
 * fails the pod; an unhealthy container is stopped so its policy restarts it. Runs on the pod's
 * worker.
 */
final class ContainerSupervisor {
  private static final Logger LOG = System.getLogger("dev.sandboxd.lifecycle");
  /** A container that cannot even be started counts as exited with this code (runc's convention). */
  static final int START_ERROR_EXIT_CODE = 128;

  private final PodDependencies deps;
  private final PodRegistry registry;
  private final PodStarter starter;

  ContainerSupervisor(PodDependencies deps, PodRegistry registry, PodStarter starter) {
    this.deps = deps;
    this.registry = registry;
    this.starter = starter;
  }

  /** containerd says a task's init process exited. */
  void taskExited(PodEntry entry, String containerId, int exitCode, Instant exitedAt) {
    if (entry.gone) {
      return;
    }
    entry.task(containerId).ifPresent(t ->
        entry.tasks.put(containerId, new TaskInfo(containerId, t.pid(), TaskStatus.Stopped, exitCode, Optional.of(exitedAt))));
    if (entry.record.stage() != Stage.Ready) {
      return;
    }
    if (containerId.equals(entry.record.sandboxId())) {
      sandboxLost(entry);
      return;
    }
    Optional<Container> c = entry.containerWithId(containerId);
    if (c.isEmpty()) {
      return;
    }
    ContainerRecord cr = entry.record.container(c.get().name());
    if (cr.restartAt() != null || !entry.handledExits.add(containerId)) {
      return;
    }
    boolean oomKilled = cr.oomKilled() || (exitCode == 137 && oomKills(entry, cr).getAsBoolean());
    String reason = oomKilled ? "OOMKilled" : exitCode == 0 ? "Completed" : "Error";
    exited(entry, c.get(), new Termination(exitCode, reason, cr.startedAt(), exitedAt), "exit code " + exitCode);
  }

  /** containerd says the kernel OOM-killed a process of the task (it comes before the exit). */
  void taskOomKilled(PodEntry entry, String containerId) {
    if (entry.gone) {
      return;
    }
    for (ContainerRecord cr : entry.record.containers()) {
      if (cr.containerId().equals(containerId)) {
        deps.save(entry, entry.record.withContainer(cr.withOomKill()));
        deps.publish(entry, cr.name(), Type.ContainerOomKilled, "OOMKilled", "the kernel killed a process for lack of memory");
      }
    }
  }

  /** A container of a running pod failed to start: that is its run's end. */
  void startFailed(PodEntry entry, Container c, RuntimeException error) {
    LOG.log(Level.WARNING, "starting {0} of {1} failed: {2}", c.name(), entry.fullName(), error.getMessage());
    exited(entry, c, new Termination(START_ERROR_EXIT_CODE, "StartError", null, deps.scheduler().now()), error.getMessage());
  }

  /** A container's run ended: restart it under the policy (with back-off), or move the pod on. */
  private void exited(PodEntry entry, Container c, Termination ended, String message) {
    deps.publish(entry, c.name(), Type.ContainerExited, ended.reason(), message);
    ContainerRecord current = entry.record.container(c.name());
    if ("StartError".equals(ended.reason())) {
      current = current.startFailed(ended);
      deps.save(entry, entry.record.withContainer(current));
    }
    ContainerKind kind = c.supervision().isSidecar() ? ContainerKind.SIDECAR
        : entry.isInit(c) ? ContainerKind.INIT : ContainerKind.APP;
    Decision decision = ExitDecisions.decide(entry.pod.spec().restartPolicy(), kind, ended.exitCode(),
        Optional.ofNullable(current.backOff()), ended.finishedAt(), deps.backOff());
    if (decision instanceof Stays stays) {
      if (stays.nextMayStart()) {
        starter.advance(entry, this::startFailed);
      }
      return;
    }
    Instant at = ((RestartAt) decision).at();
    deps.save(entry, entry.record.withContainer(current.restartScheduled(at)));
    Instant now = deps.scheduler().now();
    if (at.isAfter(now)) {
      deps.publish(entry, c.name(), Type.ContainerBackOff, "CrashLoopBackOff",
          "restarting in " + Duration.between(now, at).toMillis() + " ms");
    }
    scheduleRestart(entry, c.name(), current.containerId(), at);
  }

  /** The restart runs on the pod's worker when due; the timer thread only queues it. */
  void scheduleRestart(PodEntry entry, String name, String containerId, Instant at) {
    Scheduler.Cancellable previous = entry.restarts.remove(name);
    if (previous != null) {
      previous.cancel();
    }
    entry.restarts.put(name, deps.scheduler().schedule(Duration.between(deps.scheduler().now(), at),
        () -> entry.worker.execute(() -> restart(entry, name, containerId))));
  }

  /** Replaces a container's ended run with a new one (new id, new log file), unless the pod moved on. */
  private void restart(PodEntry entry, String name, String oldContainerId) {
    entry.restarts.remove(name);
    ContainerRecord cr = entry.record.container(name);
    if (entry.gone || entry.record.stage() != Stage.Ready || !cr.containerId().equals(oldContainerId)) {
      return;
    }
    Container c = entry.containerSpec(name);
    deps.probes().stop(oldContainerId);
    Instant now = deps.scheduler().now();
    Termination ended = entry.task(oldContainerId)
        .filter(t -> t.status() == TaskStatus.Stopped)
        .map(t -> ContainerStates.termination(cr, t, oomKills(entry, cr)))
        .orElse(cr.lastTermination() != null && cr.startedAt() == null ? cr.lastTermination()
            : new Termination(START_ERROR_EXIT_CODE, "Unknown", cr.startedAt(), now));
    try {
      deps.containers().remove(oldContainerId);
      deps.volumes().releaseContainer(entry.uid(), oldContainerId);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "removing the ended run of " + name + " of " + entry.fullName(), e);
    }
    entry.tasks.remove(oldContainerId);
    registry.untrack(oldContainerId);
    entry.handledExits.remove(oldContainerId);
    ContainerRecord next = cr.nextRun(deps.ids().get(),
        deps.paths().containerLog(entry.uid(), name, cr.restartCount() + 1).toString(), ended,
        deps.backOff().restarted(Optional.ofNullable(cr.backOff()), now));
    deps.save(entry, entry.record.withContainer(next));
    starter.start(entry, c, this::startFailed);
  }

  /**
   * A liveness or startup probe gave up on a container: it is stopped within the pod's grace
   * period, and its exit then restarts it under the policy, as kubelet does.
   */
  void containerUnhealthy(PodEntry entry, String containerId, String message) {
    if (entry.gone || entry.record.stage() != Stage.Ready) {
      return;
    }
    Optional<Container> c = entry.containerWithId(containerId);
    if (c.isEmpty()) {
      return;
    }
    deps.probes().stop(containerId);
    deps.publish(entry, c.get().name(), Type.ContainerExited, "Unhealthy", message + "; killing the container");
    Optional<TaskExit> exit = deps.containers().stop(containerId, stopSignal(entry.record.container(c.get().name())),
        Duration.ofSeconds(entry.pod.spec().terminationGracePeriodSeconds()));
    exit.ifPresent(e -> taskExited(entry, containerId, e.exitCode(), e.exitedAt()));
  }

  /**
   * The pause task died: the namespaces are gone. Under Never the pod has failed (its containers
   * are killed); otherwise it is rebuilt as a whole, as kubelet does: new sandbox, containers recreated.
   */
  void sandboxLost(PodEntry entry) {
    deps.publish(entry, "", Type.SandboxStopped, "SandboxDied", "the pause task exited");
    deps.probes().stopAll(entry.uid());
    cancelRestarts(entry);
    if (entry.pod.spec().restartPolicy() == RestartPolicy.Never) {
      for (ContainerRecord cr : entry.record.containers()) {
        deps.containers().stop(cr.containerId(), Signals.SIGKILL, Duration.ZERO).ifPresent(exit -> entry.tasks.put(
            cr.containerId(), new TaskInfo(cr.containerId(), 0, TaskStatus.Stopped, exit.exitCode(), Optional.of(exit.exitedAt()))));
      }
      deps.save(entry, entry.record.withStage(Stage.SandboxLost));
      return;
    }
    starter.removeContainers(entry);
    deps.sandboxes().shutdown(entry.record.sandboxId());
    starter.releaseNetwork(entry);
    registry.untrack(entry.record.sandboxId());
    List<ContainerRecord> fresh = new ArrayList<>();
    Instant now = deps.scheduler().now();
    for (ContainerRecord cr : entry.record.containers()) {
      Termination ended = new Termination(START_ERROR_EXIT_CODE, "SandboxDied", cr.startedAt(), now);
      fresh.add(cr.nextRun(deps.ids().get(), deps.paths().containerLog(entry.uid(), cr.name(), cr.restartCount() + 1).toString(),
          ended, cr.backOff()));
    }
    entry.handledExits.clear();
    deps.save(entry, entry.record.withSandbox(deps.ids().get()).withContainers(fresh));
    try {
      starter.startSandbox(entry);
      starter.advance(entry, this::startFailed);
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "rebuilding the sandbox of " + entry.fullName(), e);
    }
  }

  /** Cancels pending restarts; the containers no longer show CrashLoopBackOff. */
  void cancelRestarts(PodEntry entry) {
    entry.restarts.values().forEach(Scheduler.Cancellable::cancel);
    entry.restarts.clear();
    List<ContainerRecord> cleared = new ArrayList<>();
    for (ContainerRecord cr : entry.record.containers()) {
      cleared.add(cr.restartAt() == null ? cr : cr.restartScheduled(null));
    }
    deps.save(entry, entry.record.withContainers(cleared));
  }

  /** The signal recorded when the container was created; SIGTERM when the record predates that. */
  static int stopSignal(ContainerRecord cr) {
    return cr.stopSignal() > 0 ? cr.stopSignal() : Signals.SIGTERM;
  }

  /** Whether the kernel OOM-killed in the container's cgroup (its memory.events), asked only for an exit 137. */
  BooleanSupplier oomKills(PodEntry entry, ContainerRecord cr) {
    String cgroup = deps.cgroups().taskPath(entry.uid(), cr.containerId());
    return () -> deps.cgroups().oomKills(cgroup) > 0;
  }
}
