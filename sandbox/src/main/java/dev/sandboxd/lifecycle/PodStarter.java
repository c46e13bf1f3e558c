package dev.sandboxd.lifecycle;

import dev.sandboxd.container.ContainerLaunch;
import dev.sandboxd.lifecycle.LifecycleEvent.Type;
import dev.sandboxd.network.NetworkStatus;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.podfiles.PodFileWriter;
import dev.sandboxd.rollback.Rollback;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.sandbox.SandboxController.Sandbox;
import dev.sandboxd.sandbox.SandboxSpec;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How a pod starts: its cgroup and volumes, the pause sandbox, its /etc files, then init containers
 * one by one (a sidecar only needs to run) and every app container. Runs on the pod's worker.
 */
final class PodStarter {
  /** What to do when a container fails to start while the pod runs (it counts as an exit). */
  interface StartFailure {
    void failed(PodEntry entry, Container container, RuntimeException error);
  }

  private final PodDependencies deps;
  private final PodRegistry registry;
  private final ImagePulls pulls;
  private final PodNetworking networking;
  /** How a start failure after a pull is handled: the pod runs by then (the supervisor's). */
  private volatile StartFailure afterPull;

  PodStarter(PodDependencies deps, PodRegistry registry, ImagePulls pulls, PodNetworking networking) {
    this.deps = deps;
    this.registry = registry;
    this.pulls = pulls;
    this.networking = networking;
  }

  void afterPull(StartFailure handler) {
    this.afterPull = handler;
  }

  /**
   * Makes a new pod, all of it or nothing: a failing step undoes every earlier one in reverse
   * and forgets the pod, so neither its objects nor its queued events outlive the failure.
   */
  void run(PodEntry entry) {
    String uid = entry.uid();
    try (Rollback rollback = new Rollback()) {
      try {
        rollback.push("forget pod", () -> registry.release(entry));
        deps.save(entry, entry.record);
        rollback.push("delete pod record", () -> deps.store().delete(uid));
        rollback.push("remove pod cgroup", () -> deps.cgroups().remove(uid));
        rollback.push("remove pod volumes", () -> deps.volumes().cleanup(uid));
        rollback.push("release pod network", () -> networking.tearDown(entry));
        rollback.push("shut down sandbox", () -> deps.sandboxes().shutdown(entry.record.sandboxId()));
        rollback.push("stop probes", () -> deps.probes().stopAll(uid));
        rollback.push("remove containers", () -> removeContainers(entry));
        deps.cgroups().create(uid, entry.resources.pod());
        startSandbox(entry);
        deps.save(entry, entry.record.withStage(Stage.Ready));
        advance(entry, null);
        rollback.commit();
      } catch (RuntimeException e) {
        throw rollback.failed(e);
      }
    }
  }

  /** The pod network (ADD meanwhile), volumes, the pause task, then the /etc files (hosts names the pod IP); the sandbox id is the record's. */
  void startSandbox(PodEntry entry) {
    Pod pod = entry.pod;
    String sandboxId = entry.record.sandboxId();
    // CNI ADD runs while volumes and the pause task are made in the namespace it fills.
    PodNetworking.PendingNetwork network = networking.begin(entry);
    deps.volumes().prepare(pod);
    registry.track(sandboxId, entry);
    deps.sandboxes().create(sandboxSpec(pod, sandboxId, deps.cgroups().taskPath(entry.uid(), sandboxId), network.netnsPath()));
    deps.publish(entry, "", Type.SandboxCreated, "", "");
    Sandbox sandbox = deps.sandboxes().start(sandboxId);
    deps.save(entry, entry.record.withPausePid(sandbox.pid()));
    // From here the pod IP is known, before any file of the pod is written and any container starts.
    NetworkStatus addresses = networking.finish(entry, network);
    writePodFiles(entry, addresses.podIp(), pod.spec().hostNetwork());
    deps.publish(entry, "", Type.SandboxReady, "", "pause pid " + sandbox.pid());
  }

  /**
   * The pod's /etc files, once its network is up (hosts names its IP) and before any container;
   * what the pod asked for but cannot get (ClusterFirst without a cluster DNS) is a warning event.
   */
  private void writePodFiles(PodEntry entry, Optional<String> podIp, boolean hostNetwork) {
    PodFileWriter.Written written = deps.podFiles().write(entry.pod, podIp, hostNetwork);
    written.warnings().forEach(w -> deps.publish(entry, "", Type.Warning, w.reason(), w.message()));
  }

  /** The sandbox a Pod manifest asks for: the pod's hostname, in netnsPath (empty: a new namespace). */
  static SandboxSpec sandboxSpec(Pod pod, String sandboxId, String cgroupPath, Optional<String> netnsPath) {
    return new SandboxSpec(sandboxId,
        new SandboxSpec.PodIdentity(pod.metadata().namespace(), pod.metadata().name(), pod.metadata().uid()),
        pod.hostname(), cgroupPath, netnsPath, Map.of());
  }

  /** The sandbox died and is made anew: its network goes with it, as kubelet's does. */
  void releaseNetwork(PodEntry entry) {
    networking.tearDown(entry);
  }

  /**
   * Starts what may start now: init containers in order (a regular one must exit 0 before the
   * next; a sidecar only needs to run), then every app container. With no failure handler a
   * start failure propagates (the caller rolls back).
   */
  void advance(PodEntry entry, StartFailure onFailure) {
    for (Container init : entry.pod.spec().initContainers()) {
      ContainerRecord cr = entry.record.container(init.name());
      Optional<TaskInfo> task = entry.task(cr.containerId());
      boolean neverStarted = neverStarted(cr, task);
      if (init.supervision().isSidecar()) {
        if (neverStarted) {
          start(entry, init, onFailure);
        }
        continue;
      }
      boolean completed = task.isPresent() && task.get().status() == TaskStatus.Stopped && task.get().exitCode() == 0;
      if (completed) {
        continue;
      }
      if (neverStarted) {
        start(entry, init, onFailure);
      }
      return;
    }
    for (Container app : entry.pod.spec().containers()) {
      ContainerRecord cr = entry.record.container(app.name());
      if (neverStarted(cr, entry.task(cr.containerId()))) {
        start(entry, app, onFailure);
      }
    }
  }

  /** The current run has not been started, nor tried and failed, nor is it waiting for a restart. */
  private static boolean neverStarted(ContainerRecord cr, Optional<TaskInfo> task) {
    boolean failedToStart = cr.lastTermination() != null && "StartError".equals(cr.lastTermination().reason())
        && cr.startedAt() == null;
    return cr.startedAt() == null && cr.restartAt() == null && task.isEmpty() && !failedToStart;
  }

  /** Creates and starts the container's current run; its probes start with it. */
  void start(PodEntry entry, Container c, StartFailure onFailure) {
    if (!pulls.ready(entry, c, () -> {
      if (entry.record.stage() == Stage.Ready) {
        advance(entry, afterPull);
      }
    })) {
      return;
    }
    ContainerRecord cr = entry.record.container(c.name());
    registry.track(cr.containerId(), entry);
    // Recorded before the start, so nobody sees a running container without its start time.
    deps.save(entry, entry.record.withContainer(cr.started(deps.scheduler().now())));
    String uid = entry.uid();
    try {
      int pid = deps.containers().createAndStart(new ContainerLaunch(entry.pod, c,
          entry.isInit(c) ? Labels.ROLE_INIT : Labels.ROLE_APP, cr.containerId(), entry.record.sandboxId(),
          entry.record.pausePid(), deps.cgroups().taskPath(uid, cr.containerId()),
          deps.volumes().binds(entry.pod, c, cr.containerId()), deps.podFiles().files(entry.pod),
          Path.of(cr.logPath()), entry.resources.container(c.name())));
      entry.tasks.put(cr.containerId(), new TaskInfo(cr.containerId(), pid, TaskStatus.Running, 0, Optional.empty()));
    } catch (RuntimeException e) {
      if (onFailure == null) {
        throw e;
      }
      onFailure.failed(entry, c, e);
      return;
    }
    deps.probes().start(uid, c.name(), cr.containerId(), entry.record.pausePid(), c.supervision());
    deps.publish(entry, c.name(), cr.restartCount() == 0 ? Type.ContainerStarted : Type.ContainerRestarted, "",
        "container " + cr.containerId());
  }

  /** Removes every container run the record names. */
  void removeContainers(PodEntry entry) {
    for (ContainerRecord c : entry.record.containers()) {
      deps.containers().remove(c.containerId());
      deps.volumes().releaseContainer(entry.uid(), c.containerId());
      entry.tasks.remove(c.containerId());
      registry.untrack(c.containerId());
    }
  }
}
