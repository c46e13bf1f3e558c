package dev.sandboxd.lifecycle;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.LifecycleEvent.Type;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * How a pod terminates and goes: graceful stop (preStop hooks, the stop signal, SIGKILL when the
 * grace period is up; apps together, then sidecars in reverse, the pause task last) and removal
 * of everything it owns. Runs on the pod's worker.
 */
final class PodTerminator {
  private static final Duration PAUSE_STOP_TIMEOUT = Duration.ofSeconds(5);

  private final PodDependencies deps;
  private final PodRegistry registry;
  private final ContainerSupervisor supervisor;
  private final PodNetworking networking;

  PodTerminator(PodDependencies deps, PodRegistry registry, ContainerSupervisor supervisor, PodNetworking networking) {
    this.deps = deps;
    this.registry = registry;
    this.supervisor = supervisor;
    this.networking = networking;
  }

  void stop(PodEntry entry, Duration grace) {
    requireHeld(entry);
    if (entry.record.stage() == Stage.Stopped) {
      return;
    }
    deps.save(entry, entry.record.withStage(Stage.Stopping));
    deps.probes().stopAll(entry.uid());
    // A frozen task would not see its stop signal until thawed.
    if (deps.cgroups().frozen(entry.uid())) {
      deps.cgroups().freeze(entry.uid(), false);
    }
    supervisor.cancelRestarts(entry);
    Instant deadline = deps.scheduler().now().plus(grace);
    List<CompletableFuture<Void>> apps = new ArrayList<>();
    for (Container c : entry.pod.spec().containers()) {
      apps.add(CompletableFuture.runAsync(() -> stopContainer(entry, c, deadline), deps.pool()));
    }
    joinAll(apps);
    List<Container> init = new ArrayList<>(entry.pod.spec().initContainers());
    Collections.reverse(init);
    for (Container c : init) {
      stopContainer(entry, c, deadline);
    }
    deps.sandboxes().stop(entry.record.sandboxId(), PAUSE_STOP_TIMEOUT);
    // As containerd's StopPodSandbox: the pod's IP is freed once pause is gone.
    networking.tearDown(entry);
    deps.save(entry, entry.record.withStage(Stage.Stopped));
    deps.publish(entry, "", Type.SandboxStopped, "Stopped", "");
  }

  private void stopContainer(PodEntry entry, Container c, Instant deadline) {
    ContainerRecord cr = entry.record.container(c.name());
    String id = cr.containerId();
    Optional<TaskInfo> task = entry.task(id);
    if (task.isEmpty() || task.get().status() != TaskStatus.Running) {
      return;
    }
    if (!c.supervision().preStopCommand().isEmpty()) {
      Duration left = Duration.between(deps.scheduler().now(), deadline);
      try {
        if (!left.isNegative() && !left.isZero()) {
          deps.containers().exec(id, deps.paths().execDir(entry.uid()), c.supervision().preStopCommand(), Optional.of(left));
        }
      } catch (RuntimeException e) {
        deps.publish(entry, c.name(), Type.ContainerExited, "FailedPreStopHook", e.getMessage());
      }
    }
    Duration left = Duration.between(deps.scheduler().now(), deadline);
    deps.containers().stop(id, ContainerSupervisor.stopSignal(cr), left.isNegative() ? Duration.ZERO : left)
        .ifPresent(exit -> entry.tasks.put(id,
            new TaskInfo(id, task.get().pid(), TaskStatus.Stopped, exit.exitCode(), Optional.of(exit.exitedAt()))));
  }

  void remove(PodEntry entry, boolean force) {
    requireHeld(entry);
    Stage stage = entry.record.stage();
    if (stage != Stage.Stopped && stage != Stage.Removing && stage != Stage.SandboxLost) {
      if (!force) {
        throw SandboxdException.failedPrecondition(
            "pod %s is %s: stop it first, or remove it with --force", entry.fullName(),
            stage == Stage.Ready ? "running" : stage.name().toLowerCase());
      }
      // Every process of the pod at once, also a stuck or frozen one: the stop below then only collects exits.
      deps.cgroups().kill(entry.uid());
      stop(entry, Duration.ZERO);
    }
    deps.save(entry, entry.record.withStage(Stage.Removing));
    removeEverything(entry.record, Optional.of(entry.pod));
    deps.store().delete(entry.uid());
    registry.release(entry);
    deps.publish(entry, "", Type.SandboxRemoved, "", "");
  }

  /**
   * Every object of the pod, containerd's first, then its network (after pause, before the
   * namespace goes); each step is idempotent, so this also finishes a crashed removal. pod: the
   * parsed manifest, when it still parses.
   */
  void removeEverything(PodRecord record, Optional<Pod> pod) {
    for (ContainerRecord c : record.containers()) {
      deps.containers().remove(c.containerId());
    }
    for (String leftover : deps.containers().containersOfPod(record.uid())) {
      if (!leftover.equals(record.sandboxId())) {
        deps.containers().remove(leftover);
      }
    }
    deps.sandboxes().shutdown(record.sandboxId());
    networking.tearDown(record, pod);
    try {
      deps.volumes().cleanup(record.uid());
    } catch (IOException e) {
      throw SandboxdException.internal("removing volumes of " + record.namespace() + "/" + record.name() + ": " + e.getMessage(), e);
    }
    deps.cgroups().remove(record.uid());
  }

  /** Work queued before a removal finds the pod gone, as a caller would. */
  private static void requireHeld(PodEntry entry) {
    if (entry.gone) {
      throw SandboxdException.notFound("pod %s not found", entry.fullName());
    }
  }

  private static void joinAll(List<CompletableFuture<Void>> futures) {
    RuntimeException first = null;
    for (CompletableFuture<Void> f : futures) {
      try {
        f.join();
      } catch (RuntimeException e) {
        RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
        if (first == null) {
          first = cause;
        } else {
          first.addSuppressed(cause);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
