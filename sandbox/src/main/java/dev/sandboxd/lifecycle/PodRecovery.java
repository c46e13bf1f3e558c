package dev.sandboxd.lifecycle;

import dev.sandboxd.cgroup.PodResources;
import dev.sandboxd.container.ContainerManager.PodContainer;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.LifecycleEvent.Type;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.pod.PodMeta;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How sandboxd takes up what it left: at start-up, pods from their records (half-made and
 * half-removed ones removed, half-stopped ones stopped, the rest supervised again) and orphans
 * of containerd removed; after containerd's event stream came back, each pod reconciled with
 * what containerd did meanwhile. The only place that asks containerd what state tasks are in.
 */
final class PodRecovery {
  private static final Logger LOG = System.getLogger("dev.sandboxd.lifecycle");

  private final PodDependencies deps;
  private final PodRegistry registry;
  private final PodManifests manifests;
  private final PodStarter starter;
  private final ContainerSupervisor supervisor;
  private final PodTerminator terminator;
  private final PodNetworking networking;

  PodRecovery(PodDependencies deps, PodRegistry registry, PodManifests manifests, PodStarter starter,
      ContainerSupervisor supervisor, PodTerminator terminator, PodNetworking networking) {
    this.networking = networking;
    this.deps = deps;
    this.registry = registry;
    this.manifests = manifests;
    this.starter = starter;
    this.supervisor = supervisor;
    this.terminator = terminator;
  }

  /** Runs once, before serving; the event stream's start then reconciles every adopted pod. */
  void recover() {
    Set<String> known = new HashSet<>();
    List<PodRecord> records = deps.store().list().stream().sorted(Comparator.comparing(PodRecord::createdAt)).toList();
    for (PodRecord record : records) {
      known.add(record.uid());
      Optional<Pod> pod = parse(record);
      if (pod.isEmpty()) {
        removeRecorded(record, pod);
        continue;
      }
      PodEntry entry = new PodEntry(pod.get(), deps.cgroups().plan(pod.get(), true), record, new PodWorker(deps.pool()));
      if (record.stage() == Stage.Creating || record.stage() == Stage.Removing) {
        LOG.log(Level.INFO, "rolling back {0}, left {1} by a crash", entry.fullName(), record.stage());
        removeRecorded(record, pod);
        deps.publish(entry, "", Type.SandboxRemoved, "Recovered", "removed a pod left " + record.stage());
        continue;
      }
      try {
        registry.claim(entry);
      } catch (SandboxdException.AlreadyExists e) {
        // Two records of one name: a pod an older sandboxd lost track of. The first one made stays.
        LOG.log(Level.WARNING, "removing pod record {0}: {1}", record.uid(), e.getMessage());
        removeRecorded(record, pod);
        continue;
      }
      adopt(entry);
    }
    // Attachments and namespaces of pods no record names any more (a crash before, during or
    // after ADD, or before DEL) are released, then the plugins hear which ones are valid.
    networking.collectGarbage(deps.store().list());
    for (PodContainer c : deps.containers().sandboxdContainers()) {
      if (!known.contains(c.podUid())) {
        LOG.log(Level.INFO, "removing orphan container {0} of pod uid {1}", c.id(), c.podUid());
        deps.containers().remove(c.id());
        try {
          deps.volumes().cleanup(c.podUid());
        } catch (IOException e) {
          LOG.log(Level.WARNING, "removing volumes of orphan pod " + c.podUid(), e);
        }
        deps.cgroups().remove(c.podUid());
      }
    }
  }

  private Optional<Pod> parse(PodRecord record) {
    try {
      Pod parsed = manifests.parse(record.manifest(), record.lenient()).pod();
      PodMeta meta = parsed.metadata();
      // A generated uid is not in the manifest: the record's is the pod's.
      return Optional.of(new Pod(
          new PodMeta(meta.name(), meta.namespace(), record.uid(), meta.labels(), meta.annotations()), parsed.spec()));
    } catch (SandboxdException e) {
      LOG.log(Level.ERROR, "pod record {0} no longer parses ({1}); removing the pod", record.uid(), e.getMessage());
      return Optional.empty();
    }
  }

  /** Reads the pod's sandbox and tasks from containerd once, and supervises it again. */
  private void adopt(PodEntry entry) {
    PodRecord record = entry.record;
    deps.sandboxes().adopt(record.sandboxId(), record.createdAt());
    registry.track(record.sandboxId(), entry);
    for (ContainerRecord c : record.containers()) {
      Optional<TaskInfo> task = deps.containers().task(c.containerId());
      task.ifPresent(t -> entry.tasks.put(c.containerId(), t));
      if (c.restartAt() == null && (task.isEmpty() || task.get().status() == TaskStatus.Created)) {
        // A start cut short by the crash: clear what it left and give the container a new id
        // (runc may still know the old one), so the reconcile after the event stream starts it afresh.
        deps.containers().remove(c.containerId());
        deps.volumes().releaseContainer(record.uid(), c.containerId());
        entry.tasks.remove(c.containerId());
        entry.record = entry.record.withContainer(c.withContainerId(deps.ids().get()));
      }
    }
    entry.record.containers().forEach(c -> registry.track(c.containerId(), entry));
    // Staging mounts of runs the record no longer names (a crash between a restart's steps).
    deps.volumes().releaseContainersExcept(record.uid(),
        entry.record.containers().stream().map(ContainerRecord::containerId).collect(Collectors.toSet()));
    deps.store().save(entry.record);
    if (record.stage() == Stage.Ready) {
      // Probes live in memory: they start over for every container that still runs.
      for (ContainerRecord c : entry.record.containers()) {
        if (entry.task(c.containerId()).map(t -> t.status() == TaskStatus.Running).orElse(false)) {
          deps.probes().start(record.uid(), c.name(), c.containerId(), record.pausePid(),
              entry.containerSpec(c.name()).supervision());
        }
      }
    }
    if (record.stage() == Stage.Stopping) {
      deps.save(entry, entry.record.withStage(Stage.Ready));
      terminator.stop(entry, Duration.ZERO);
    }
  }

  /** Acts on whatever happened while nobody was listening: exits, due restarts, missing starts, a dead sandbox. */
  void reconcile(PodEntry entry) {
    if (entry.gone || entry.record.stage() != Stage.Ready) {
      return;
    }
    try {
      if (!deps.sandboxes().status(entry.record.sandboxId()).ready()) {
        supervisor.sandboxLost(entry);
        return;
      }
      for (ContainerRecord cr : entry.record.containers()) {
        if (cr.restartAt() != null) {
          supervisor.scheduleRestart(entry, cr.name(), cr.containerId(), cr.restartAt());
          continue;
        }
        Optional<TaskInfo> task = deps.containers().task(cr.containerId());
        task.ifPresent(t -> entry.tasks.put(cr.containerId(), t));
        if (task.isPresent() && task.get().status() == TaskStatus.Stopped) {
          supervisor.taskExited(entry, cr.containerId(), task.get().exitCode(),
              task.get().exitedAt().orElse(deps.scheduler().now()));
        }
      }
      starter.advance(entry, supervisor::startFailed);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "reconciling " + entry.fullName(), e);
    }
  }

  private void removeRecorded(PodRecord record, Optional<Pod> pod) {
    try {
      terminator.removeEverything(record, pod);
      deps.store().delete(record.uid());
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "removing pod " + record.uid() + " failed; it stays recorded and is retried at the next start", e);
    }
  }
}
