package dev.sandboxd.lifecycle;

import dev.sandboxd.probe.ContainerProbes;
import dev.sandboxd.cgroup.PodCgroups;
import dev.sandboxd.cgroup.PodResources;
import dev.sandboxd.container.ContainerManager;
import dev.sandboxd.container.AttachedExecSpec;
import dev.sandboxd.container.AttachedProcess;
import dev.sandboxd.container.ExecResult;
import dev.sandboxd.containerlog.ContainerLogReader;
import dev.sandboxd.containerlog.LogOptions;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.ImagePuller;
import dev.sandboxd.image.ImageService;
import dev.sandboxd.network.PodNetwork;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.ParsedPod;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.sandbox.SandboxController;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import dev.sandboxd.state.PodStore;
import dev.sandboxd.supervisor.RestartBackOff;
import dev.sandboxd.supervisor.Scheduler;
import dev.sandboxd.supervisor.TaskEventHandler;
import dev.sandboxd.podfiles.PodFileWriter;
import dev.sandboxd.volume.VolumeManager;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The pod lifecycle's front door, for the servers, static pods, probes and containerd's event
 * stream: it parses and checks, then hands everything that changes a pod to that pod's worker
 * ({@link PodWorker}), and answers reads from memory. The work itself is done by the parts named
 * after it: {@link PodStarter}, {@link ContainerSupervisor}, {@link PodTerminator},
 * {@link PodRecovery}, {@link PodStatuses}.
 */
public final class PodManager implements PodLifecycle, TaskEventHandler {
  private final PodManifests manifests;
  private final PodDependencies deps;
  private final DeferredProbes probes = new DeferredProbes();
  private final PodRegistry registry = new PodRegistry();
  private final ContainerLogReader logs = new ContainerLogReader();
  private final PodStarter starter;
  private final ContainerSupervisor supervisor;
  private final PodTerminator terminator;
  private final PodRecovery recovery;
  private final PodStatuses statuses;
  private final ImagePulls pulls;
  private final PodNetworking networking;

  /** @param pool threads pod workers and parallel container stops borrow; no thread is a pod's own */
  public PodManager(
      PodManifests manifests,
      SandboxController sandboxes,
      ContainerManager containers,
      VolumeManager volumes,
      PodFileWriter podFiles,
      PodCgroups cgroups,
      PodStore store,
      PodPaths paths,
      Scheduler scheduler,
      RestartBackOff backOff,
      LifecycleEvents events,
      Supplier<String> ids,
      Executor pool) {
    this.manifests = manifests;
    this.deps = new PodDependencies(sandboxes, containers, volumes, podFiles, cgroups, store, paths, scheduler, backOff, events, ids,
        pool, probes);
    this.pulls = new ImagePulls(deps);
    this.networking = new PodNetworking(deps);
    this.starter = new PodStarter(deps, registry, pulls, networking);
    this.supervisor = new ContainerSupervisor(deps, registry, starter);
    starter.afterPull(supervisor::startFailed);
    this.terminator = new PodTerminator(deps, registry, supervisor, networking);
    this.recovery = new PodRecovery(deps, registry, manifests, starter, supervisor, terminator, networking);
    this.statuses = new PodStatuses(deps, supervisor, pulls, networking);
  }

  /**
   * Pulls images that are missing (or whose policy says Always) through puller before their
   * containers start, with this back-off after failures; set once, before serving. Without it
   * an image must be imported before its pod runs.
   */
  public void useImagePulls(ImagePuller puller, ImageService images, RestartBackOff pullBackOff) {
    pulls.use(puller, images, pullBackOff);
  }

  /**
   * The pod network (CNI, or none) and the node's address for status.hostIP; set once, before
   * recovery and serving. Without it pods get loopback only.
   */
  public void useNetwork(PodNetwork network, String hostIp) {
    networking.use(network, hostIp);
  }

  /** The probes of every container; set once, before serving (the probes call back into this manager). */
  public void useProbes(ContainerProbes probes) {
    this.probes.set(probes);
  }

  /** Takes up the pods sandboxd recorded before a restart or crash; once, before serving. */
  public void recover() {
    recovery.recover();
  }

  // --- calls that change a pod: each runs on the pod's worker ---

  @Override
  public RunResult run(String manifest, boolean lenient) {
    ParsedPod parsed = manifests.parse(manifest, lenient);
    Pod pod = parsed.pod();
    // Before anything is made: a limit this node cannot enforce, or a missing image, fails the pod here.
    PodResources resources = deps.cgroups().plan(pod, false);
    String uid = pod.metadata().uid();
    List<ContainerRecord> records = new ArrayList<>();
    for (Container c : pod.spec().allContainers()) {
      int stopSignal = stopSignal(c);
      records.add(ContainerRecord.first(c.name(), deps.ids().get(), deps.paths().containerLog(uid, c.name(), 0).toString(),
          stopSignal));
    }
    PodRecord record = new PodRecord(uid, pod.metadata().namespace(), pod.metadata().name(), manifest, lenient,
        deps.ids().get(), deps.cgroups().podPath(uid), deps.scheduler().now(), Stage.Creating, 0, records, null);
    PodEntry entry = new PodEntry(pod, resources, record, new PodWorker(deps.pool()));
    registry.claim(entry);
    return entry.worker.call(() -> {
      starter.run(entry);
      return new RunResult(statuses.of(entry), parsed.warnings());
    });
  }

  /** From the image when it is there; an image still to be pulled gets SIGTERM, as CRI does when it does not know. */
  private int stopSignal(Container c) {
    try {
      return deps.containers().stopSignal(c.image());
    } catch (SandboxdException.NotFound e) {
      if (!pulls.enabled()) {
        throw e;
      }
      return 0;
    }
  }

  @Override
  public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
    PodEntry entry = registry.resolve(podRef);
    return entry.worker.call(() -> {
      terminator.stop(entry, gracePeriod.orElse(Duration.ofSeconds(entry.pod.spec().terminationGracePeriodSeconds())));
      return statuses.of(entry);
    });
  }

  @Override
  public void remove(String podRef, boolean force) {
    PodEntry entry = registry.resolve(podRef);
    entry.worker.call(() -> {
      terminator.remove(entry, force);
      return null;
    });
  }

  @Override
  public PodStatus pause(String podRef) {
    return freeze(podRef, true);
  }

  @Override
  public PodStatus unpause(String podRef) {
    return freeze(podRef, false);
  }

  private PodStatus freeze(String podRef, boolean frozen) {
    PodEntry entry = registry.resolve(podRef);
    return entry.worker.call(() -> {
      if (entry.gone || entry.record.stage() != Stage.Ready) {
        throw SandboxdException.failedPrecondition("pod %s is not running (%s)", entry.fullName(),
            entry.gone ? "removed" : entry.record.stage().name().toLowerCase());
      }
      deps.cgroups().freeze(entry.uid(), frozen);
      return statuses.of(entry);
    });
  }

  /** A liveness or startup probe gave up on a container. */
  public void containerUnhealthy(String containerId, String message) {
    registry.byContainerId(containerId)
        .ifPresent(entry -> entry.worker.execute(() -> supervisor.containerUnhealthy(entry, containerId, message)));
  }

  /** Every failed probe run, for the event feed. */
  public void probeFailed(String containerId, String probeType, String message) {
    registry.byContainerId(containerId).ifPresent(entry -> {
      String name = entry.containerWithId(containerId).map(Container::name).orElse("");
      deps.publish(entry, name, LifecycleEvent.Type.ProbeFailed, probeType, message);
    });
  }

  // --- containerd's task events: the event thread only routes them to the pods' workers ---

  @Override
  public void taskExited(String containerId, int exitCode, java.time.Instant exitedAt) {
    registry.byContainerId(containerId)
        .ifPresent(entry -> entry.worker.execute(() -> supervisor.taskExited(entry, containerId, exitCode, exitedAt)));
  }

  @Override
  public void taskOomKilled(String containerId) {
    registry.byContainerId(containerId)
        .ifPresent(entry -> entry.worker.execute(() -> supervisor.taskOomKilled(entry, containerId)));
  }

  @Override
  public void streamStarted() {
    for (PodEntry entry : registry.all()) {
      entry.worker.execute(() -> recovery.reconcile(entry));
    }
  }

  // --- reads: from memory, on the caller's thread ---

  @Override
  public List<PodStatus> list() {
    List<PodStatus> out = new ArrayList<>();
    for (PodEntry entry : registry.all()) {
      out.add(statuses.of(entry));
    }
    return out;
  }

  @Override
  public PodStatus inspect(String podRef) {
    return statuses.of(registry.resolve(podRef));
  }

  @Override
  public void logs(String podRef, String container, LogOptions options, OutputStream out, BooleanSupplier keepFollowing)
      throws IOException {
    PodEntry entry = registry.resolve(podRef);
    ContainerRecord record = entry.record.container(container);
    if (options.previous()) {
      // Runs are logged to <restart count>.log, and a new run keeps the one before it.
      if (record.restartCount() == 0) {
        throw SandboxdException.notFound("previous terminated container %s in pod %s not found: it has not restarted",
            container, entry.record.namespace() + "/" + entry.record.name());
      }
      Path previous = deps.paths().containerLog(entry.uid(), container, record.restartCount() - 1);
      logs.copy(previous, out, new LogOptions(false, true, options.tailLines(), options.since(), options.timestamps()), () -> false);
      return;
    }
    BooleanSupplier running = () -> entry.task(record.containerId())
        .map(t -> t.status() == TaskStatus.Running || t.status() == TaskStatus.Created)
        .orElse(false);
    logs.copy(Path.of(record.logPath()), out, options, () -> keepFollowing.getAsBoolean() && running.getAsBoolean());
  }

  @Override
  public ExecResult exec(String podRef, String container, List<String> command, Optional<Duration> timeout) {
    PodEntry entry = registry.resolve(podRef);
    ContainerRecord record = entry.record.container(container);
    return deps.containers().exec(record.containerId(), deps.paths().execDir(entry.uid()), command, timeout);
  }

  @Override
  public AttachedProcess attach(String podRef, String container, AttachedExecSpec exec) {
    PodEntry entry = registry.resolve(podRef);
    ContainerRecord record = entry.record.container(container);
    return deps.containers().attach(record.containerId(), deps.paths().execDir(entry.uid()), exec);
  }

  @Override
  public List<PodStats> stats(Optional<String> podRef) {
    List<PodEntry> entries = podRef.isPresent() ? List.of(registry.resolve(podRef.get())) : List.copyOf(registry.all());
    List<PodStats> out = new ArrayList<>();
    for (PodEntry entry : entries) {
      PodRecord record = entry.record;
      List<PodStats.ContainerStats> containerStats = new ArrayList<>();
      for (ContainerRecord c : record.containers()) {
        String path = deps.cgroups().taskPath(record.uid(), c.containerId());
        containerStats.add(new PodStats.ContainerStats(c.name(), c.containerId(), path, deps.cgroups().usage(path)));
      }
      String podPath = deps.cgroups().podPath(record.uid());
      out.add(new PodStats(record.namespace(), record.name(), record.uid(), podPath, deps.cgroups().usage(podPath),
          containerStats));
    }
    return out;
  }

  @Override
  public LifecycleEvents events() {
    return deps.events();
  }
}
