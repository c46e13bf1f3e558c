package dev.sandboxd.lifecycle;

import dev.sandboxd.cgroup.PodCgroups;
import dev.sandboxd.cgroup.PodResources;
import dev.sandboxd.container.ContainerLaunch;
import dev.sandboxd.container.ContainerManager;
import dev.sandboxd.containerlog.ContainerLogReader;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.LifecycleEvent.Type;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.ParsedPod;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.pod.PodMeta;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.sandbox.SandboxController;
import dev.sandboxd.spec.EtcFiles;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import dev.sandboxd.state.PodRecord.Termination;
import dev.sandboxd.state.PodStore;
import dev.sandboxd.supervisor.RestartBackOff;
import dev.sandboxd.supervisor.Scheduler;
import dev.sandboxd.supervisor.TaskEventHandler;
import dev.sandboxd.volume.VolumeManager;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs, supervises, stops, removes and reports pods, as kubelet does for one node. The sandbox
 * comes first, then init containers one by one (sidecars stay up), then the app containers.
 * containerd's task events drive restarts under the pod's policy with kubelet's back-off; every
 * multi-step operation is undone in reverse when a step fails. Operations on one pod are
 * serialised on its entry; different pods proceed in parallel.
 */
public final class PodManager implements PodLifecycle, TaskEventHandler {
  private static final Logger LOG = System.getLogger("dev.sandboxd.lifecycle");
  private static final Duration PAUSE_STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final Path NODE_RESOLV_CONF = Path.of("/etc/resolv.conf");
  /** A container that cannot even be started counts as exited with this code (runc's convention). */
  private static final int START_ERROR_EXIT_CODE = 128;

  private final PodManifests manifests;
  private final SandboxController sandboxes;
  private final ContainerManager containers;
  private final ContainerRuntime runtime;
  private final VolumeManager volumes;
  private final PodCgroups cgroups;
  private final PodStore store;
  private final PodPaths paths;
  private final Scheduler scheduler;
  private final RestartBackOff backOff;
  private final LifecycleEvents events;
  private final Supplier<String> ids;
  private final ExecutorService workers;
  private final ContainerLogReader logs = new ContainerLogReader();
  private volatile ContainerProbes probes = ContainerProbes.NONE;

  /** Pods by uid; the entry's monitor serialises operations on that pod. */
  private final Map<String, PodEntry> pods = new ConcurrentHashMap<>();
  /** Pods by the id of any of their containers or their sandbox, for events. */
  private final Map<String, PodEntry> byContainerId = new ConcurrentHashMap<>();

  public PodManager(
      PodManifests manifests,
      SandboxController sandboxes,
      ContainerManager containers,
      ContainerRuntime runtime,
      VolumeManager volumes,
      PodCgroups cgroups,
      PodStore store,
      PodPaths paths,
      Scheduler scheduler,
      RestartBackOff backOff,
      LifecycleEvents events,
      Supplier<String> ids,
      ExecutorService workers) {
    this.manifests = manifests;
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.runtime = runtime;
    this.volumes = volumes;
    this.cgroups = cgroups;
    this.store = store;
    this.paths = paths;
    this.scheduler = scheduler;
    this.backOff = backOff;
    this.events = events;
    this.ids = ids;
    this.workers = workers;
  }

  /** One pod: its parsed spec, its cgroup plan, sandboxd's record of it, and its pending restart timers. */
  private static final class PodEntry {
    final Pod pod;
    final PodResources resources;
    volatile PodRecord record;
    final Map<String, Scheduler.Cancellable> restarts = new HashMap<>();
    /** Exits already acted on, so a reconcile does not act twice. */
    final Set<String> handledExits = new HashSet<>();

    PodEntry(Pod pod, PodResources resources, PodRecord record) {
      this.pod = pod;
      this.resources = resources;
      this.record = record;
    }
  }

  /** The probes of every container; set once, before serving (the probes call back into this manager). */
  public void useProbes(ContainerProbes probes) {
    this.probes = probes;
  }

  // --- run ---

  @Override
  public RunResult run(String manifest, boolean lenient) {
    ParsedPod parsed = manifests.parse(manifest, lenient);
    Pod pod = parsed.pod();
    // Before anything is made: a limit this node cannot enforce, or a missing image, fails the pod here.
    PodResources resources = cgroups.plan(pod, false);
    for (Container c : allContainers(pod)) {
      containers.checkImage(c.image());
    }
    String uid = pod.metadata().uid();
    List<ContainerRecord> records = new ArrayList<>();
    for (Container c : allContainers(pod)) {
      records.add(new ContainerRecord(c.name(), ids.get(), paths.containerLog(uid, c.name(), 0).toString(), null, 0));
    }
    PodRecord record = new PodRecord(uid, pod.metadata().namespace(), pod.metadata().name(), manifest, lenient,
        ids.get(), cgroups.podPath(uid), scheduler.now(), Stage.Creating, 0, records);
    PodEntry entry = new PodEntry(pod, resources, record);
    claim(entry);
    synchronized (entry) {
      try (Rollback rollback = new Rollback()) {
        try {
          rollback.push("forget pod", () -> release(entry));
          save(entry, record);
          rollback.push("delete pod record", () -> store.delete(uid));
          rollback.push("remove pod cgroup", () -> cgroups.remove(uid));
          rollback.push("remove pod volumes", () -> volumes.cleanup(uid));
          rollback.push("shut down sandbox", () -> sandboxes.shutdown(entry.record.sandboxId()));
          rollback.push("remove containers", () -> removeContainers(entry));
          cgroups.create(uid, resources.pod());
          startSandbox(entry);
          save(entry, entry.record.withStage(Stage.Ready));
          advance(entry, true);
          rollback.commit();
        } catch (RuntimeException e) {
          throw rollback.failed(e);
        }
      }
      return new RunResult(status(entry), parsed.warnings());
    }
  }

  /** Volumes, /etc files and the pause task; the sandbox id is the record's. */
  private void startSandbox(PodEntry entry) {
    Pod pod = entry.pod;
    String sandboxId = entry.record.sandboxId();
    volumes.prepare(pod);
    volumes.writeEtcFiles(pod, pod.hostname(), NODE_RESOLV_CONF);
    sandboxes.create(pod, sandboxId, cgroups.taskPath(pod.metadata().uid(), sandboxId));
    byContainerId.put(sandboxId, entry);
    publish(entry, "", Type.SandboxCreated, "", "");
    SandboxController.SandboxInfo sandbox = sandboxes.start(sandboxId);
    save(entry, entry.record.withPausePid(sandbox.pid()));
    publish(entry, "", Type.SandboxReady, "", "pause pid " + sandbox.pid());
  }

  /**
   * Starts what may start now: init containers in order (a regular one must exit 0 before the
   * next; a sidecar only needs to run), then every app container. With failFast a start
   * failure propagates (the caller rolls back); otherwise it counts as the container's exit.
   */
  private void advance(PodEntry entry, boolean failFast) {
    for (Container init : entry.pod.spec().initContainers()) {
      ContainerRecord cr = entry.record.container(init.name());
      Optional<TaskInfo> task = runtime.task(cr.containerId());
      boolean neverStarted = cr.startedAt() == null && task.isEmpty() && cr.restartAt() == null;
      if (init.supervision().isSidecar()) {
        if (neverStarted) {
          start(entry, init, Labels.ROLE_INIT, failFast);
        }
        continue;
      }
      boolean completed = task.isPresent() && task.get().status() == TaskStatus.Stopped && task.get().exitCode() == 0;
      if (completed) {
        continue;
      }
      if (neverStarted) {
        start(entry, init, Labels.ROLE_INIT, failFast);
      }
      return;
    }
    for (Container app : entry.pod.spec().containers()) {
      ContainerRecord cr = entry.record.container(app.name());
      if (cr.startedAt() == null && cr.restartAt() == null && runtime.task(cr.containerId()).isEmpty()) {
        start(entry, app, Labels.ROLE_APP, failFast);
      }
    }
  }

  private void start(PodEntry entry, Container c, String role, boolean failFast) {
    PodRecord record = entry.record;
    ContainerRecord cr = record.container(c.name());
    byContainerId.put(cr.containerId(), entry);
    // Recorded before the start, so nobody sees a running container without its start time.
    save(entry, record.withContainer(cr.started(scheduler.now())));
    try {
      containers.createAndStart(new ContainerLaunch(entry.pod, c, role, cr.containerId(), record.sandboxId(),
          record.pausePid(), cgroups.taskPath(record.uid(), cr.containerId()),
          volumes.binds(c, volumes.prepared(entry.pod)), volumes.etcFiles(entry.pod), Path.of(cr.logPath()),
          entry.resources.container(c.name())));
    } catch (RuntimeException e) {
      if (failFast) {
        throw e;
      }
      LOG.log(Level.WARNING, "starting {0} of {1} failed: {2}", c.name(), entry.pod.fullName(), e.getMessage());
      exited(entry, c, cr, new Termination(START_ERROR_EXIT_CODE, "StartError", null, scheduler.now()), e.getMessage());
      return;
    }
    probes.start(record.uid(), c.name(), cr.containerId(), record.pausePid(), c.supervision());
    publish(entry, c.name(), cr.restartCount() == 0 ? Type.ContainerStarted : Type.ContainerRestarted, "",
        "container " + cr.containerId());
  }

  // --- supervision: probes ---

  /**
   * A liveness or startup probe gave up on a container: it is stopped within the pod's grace
   * period, and its exit then restarts it under the policy, as kubelet does.
   */
  public void containerUnhealthy(String containerId, String message) {
    PodEntry entry = byContainerId.get(containerId);
    if (entry == null) {
      return;
    }
    Container c;
    synchronized (entry) {
      if (entry.record.stage() != Stage.Ready) {
        return;
      }
      Optional<Container> current = allContainers(entry.pod).stream()
          .filter(x -> entry.record.container(x.name()).containerId().equals(containerId)).findFirst();
      if (current.isEmpty()) {
        return;
      }
      c = current.get();
      probes.stop(containerId);
      publish(entry, c.name(), Type.ContainerExited, "Unhealthy", message + "; killing the container");
    }
    // Outside the pod's lock: the grace period may be long, and the exit event needs the lock.
    workers.execute(() -> containers.stop(containerId, containers.stopSignal(c.image()),
        Duration.ofSeconds(entry.pod.spec().terminationGracePeriodSeconds())));
  }

  /** Every failed probe run, for the event feed. */
  public void probeFailed(String containerId, String probeType, String message) {
    PodEntry entry = byContainerId.get(containerId);
    if (entry == null) {
      return;
    }
    String name = entry.record.containers().stream().filter(c -> c.containerId().equals(containerId))
        .map(ContainerRecord::name).findFirst().orElse("");
    publish(entry, name, Type.ProbeFailed, probeType, message);
  }

  // --- supervision: containerd's task events ---

  @Override
  public void taskExited(String containerId, int exitCode, Instant exitedAt) {
    PodEntry entry = byContainerId.get(containerId);
    if (entry == null) {
      return;
    }
    synchronized (entry) {
      if (entry.record.stage() != Stage.Ready) {
        return;
      }
      if (containerId.equals(entry.record.sandboxId())) {
        sandboxLost(entry);
        return;
      }
      for (Container c : allContainers(entry.pod)) {
        ContainerRecord cr = entry.record.container(c.name());
        if (cr.containerId().equals(containerId) && cr.restartAt() == null && entry.handledExits.add(containerId)) {
          boolean oomKilled = cr.oomKilled() || (exitCode == 137 && oomKills(entry.record, cr).getAsBoolean());
          String reason = oomKilled ? "OOMKilled" : exitCode == 0 ? "Completed" : "Error";
          exited(entry, c, cr, new Termination(exitCode, reason, cr.startedAt(), exitedAt), "exit code " + exitCode);
        }
      }
    }
  }

  @Override
  public void taskOomKilled(String containerId) {
    PodEntry entry = byContainerId.get(containerId);
    if (entry == null) {
      return;
    }
    synchronized (entry) {
      for (ContainerRecord cr : entry.record.containers()) {
        if (cr.containerId().equals(containerId)) {
          save(entry, entry.record.withContainer(cr.withOomKill()));
          publish(entry, cr.name(), Type.ContainerOomKilled, "OOMKilled", "the kernel killed a process for lack of memory");
        }
      }
    }
  }

  @Override
  public void streamStarted() {
    workers.execute(this::reconcileAll);
  }

  /** Reconciles every pod with containerd, one after another. */
  void reconcileAll() {
    for (PodEntry entry : pods.values()) {
      reconcile(entry);
    }
  }

  /** Acts on whatever happened while nobody was listening: exits, due restarts, missing starts, a dead sandbox. */
  private void reconcile(PodEntry entry) {
    synchronized (entry) {
      if (entry.record.stage() != Stage.Ready) {
        return;
      }
      try {
        if (!sandboxes.status(entry.record.sandboxId()).running()) {
          sandboxLost(entry);
          return;
        }
        for (Container c : allContainers(entry.pod)) {
          ContainerRecord cr = entry.record.container(c.name());
          if (cr.restartAt() != null) {
            scheduleRestart(entry, c.name(), cr.containerId(), cr.restartAt());
            continue;
          }
          Optional<TaskInfo> task = runtime.task(cr.containerId());
          if (task.isPresent() && task.get().status() == TaskStatus.Stopped) {
            taskExited(cr.containerId(), task.get().exitCode(), task.get().exitedAt().orElse(scheduler.now()));
          }
        }
        advance(entry, false);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "reconciling " + entry.pod.fullName(), e);
      }
    }
  }

  /** A container's run ended: restart it under the policy (with back-off), or move the pod on. */
  private void exited(PodEntry entry, Container c, ContainerRecord cr, Termination ended, String message) {
    publish(entry, c.name(), Type.ContainerExited, ended.reason(), message);
    boolean isInit = entry.pod.spec().initContainers().contains(c);
    boolean sidecar = c.supervision().isSidecar();
    boolean restart;
    if (sidecar) {
      restart = true;
    } else if (isInit) {
      // An init container must succeed: retried unless the policy is Never.
      restart = ended.exitCode() != 0 && entry.pod.spec().restartPolicy() != dev.sandboxd.pod.RestartPolicy.Never;
    } else {
      restart = RestartBackOff.restarts(entry.pod.spec().restartPolicy(), ended.exitCode());
    }
    ContainerRecord current = entry.record.container(c.name());
    if ("StartError".equals(ended.reason())) {
      // A start failure leaves no task to read the termination from later: keep it now.
      current = new ContainerRecord(current.name(), current.containerId(), current.logPath(), null,
          current.restartCount(), ended, current.backOff(), null, false);
      save(entry, entry.record.withContainer(current));
    }
    if (!restart) {
      if (isInit && ended.exitCode() == 0) {
        advance(entry, false);
      }
      return;
    }
    Instant at = backOff.restartAt(Optional.ofNullable(cr.backOff()), ended.finishedAt());
    save(entry, entry.record.withContainer(current.restartScheduled(at)));
    if (at.isAfter(scheduler.now())) {
      publish(entry, c.name(), Type.ContainerBackOff, "CrashLoopBackOff",
          "restarting in " + Duration.between(scheduler.now(), at).toMillis() + " ms");
    }
    scheduleRestart(entry, c.name(), cr.containerId(), at);
  }

  private void scheduleRestart(PodEntry entry, String name, String containerId, Instant at) {
    Scheduler.Cancellable previous = entry.restarts.remove(name);
    if (previous != null) {
      previous.cancel();
    }
    entry.restarts.put(name, scheduler.schedule(Duration.between(scheduler.now(), at), () -> restart(entry, name, containerId)));
  }

  /** Replaces a container's ended run with a new one (new id, new log file), unless the pod moved on. */
  private void restart(PodEntry entry, String name, String oldContainerId) {
    synchronized (entry) {
      entry.restarts.remove(name);
      ContainerRecord cr = entry.record.container(name);
      if (entry.record.stage() != Stage.Ready || !cr.containerId().equals(oldContainerId)) {
        return;
      }
      Container c = containerSpec(entry.pod, name);
      probes.stop(oldContainerId);
      Termination ended = runtime.task(oldContainerId)
          .filter(t -> t.status() == TaskStatus.Stopped)
          .map(t -> ContainerStates.termination(cr, t, oomKills(entry.record, cr)))
          .orElse(cr.lastTermination() != null && cr.startedAt() == null ? cr.lastTermination()
              : new Termination(START_ERROR_EXIT_CODE, "Unknown", cr.startedAt(), scheduler.now()));
      try {
        containers.remove(oldContainerId);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "removing the ended run of " + name + " of " + entry.pod.fullName(), e);
      }
      byContainerId.remove(oldContainerId);
      entry.handledExits.remove(oldContainerId);
      String newId = ids.get();
      ContainerRecord next = cr.nextRun(newId,
          paths.containerLog(entry.record.uid(), name, cr.restartCount() + 1).toString(), ended,
          backOff.restarted(Optional.ofNullable(cr.backOff()), scheduler.now()));
      save(entry, entry.record.withContainer(next));
      boolean isInit = entry.pod.spec().initContainers().contains(c);
      start(entry, c, isInit ? Labels.ROLE_INIT : Labels.ROLE_APP, false);
    }
  }

  /**
   * The pause task died: the namespaces are gone. Under Never the pod has failed (its containers
   * are killed); otherwise it is rebuilt as a whole, as kubelet does: new sandbox, containers recreated.
   */
  private void sandboxLost(PodEntry entry) {
    publish(entry, "", Type.SandboxStopped, "SandboxDied", "the pause task exited");
    probes.stopAll(entry.record.uid());
    cancelRestarts(entry);
    if (entry.pod.spec().restartPolicy() == dev.sandboxd.pod.RestartPolicy.Never) {
      for (ContainerRecord cr : entry.record.containers()) {
        containers.stop(cr.containerId(), 9, Duration.ZERO);
      }
      save(entry, entry.record.withStage(Stage.SandboxLost));
      return;
    }
    removeContainers(entry);
    sandboxes.shutdown(entry.record.sandboxId());
    byContainerId.remove(entry.record.sandboxId());
    List<ContainerRecord> fresh = new ArrayList<>();
    for (ContainerRecord cr : entry.record.containers()) {
      Termination ended = new Termination(START_ERROR_EXIT_CODE, "SandboxDied", cr.startedAt(), scheduler.now());
      fresh.add(cr.nextRun(ids.get(), paths.containerLog(entry.record.uid(), cr.name(), cr.restartCount() + 1).toString(),
          ended, cr.backOff()));
    }
    save(entry, entry.record.withSandbox(ids.get()).withContainers(fresh));
    try {
      startSandbox(entry);
      advance(entry, false);
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "rebuilding the sandbox of " + entry.pod.fullName(), e);
    }
  }

  // --- stop, remove ---

  @Override
  public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
    PodEntry entry = resolve(podRef);
    synchronized (entry) {
      stopLocked(entry, gracePeriod.orElse(Duration.ofSeconds(entry.pod.spec().terminationGracePeriodSeconds())));
      return status(entry);
    }
  }

  /**
   * Graceful termination: app containers together (preStop hook, then the stop signal, SIGKILL
   * when the grace period is up), then sidecars in reverse order within what is left of it, the
   * pause task last.
   */
  private void stopLocked(PodEntry entry, Duration grace) {
    if (entry.record.stage() == Stage.Stopped) {
      return;
    }
    save(entry, entry.record.withStage(Stage.Stopping));
    probes.stopAll(entry.record.uid());
    // A frozen task would not see its stop signal until thawed.
    if (cgroups.frozen(entry.record.uid())) {
      cgroups.freeze(entry.record.uid(), false);
    }
    cancelRestarts(entry);
    Instant deadline = scheduler.now().plus(grace);
    List<CompletableFuture<Void>> apps = new ArrayList<>();
    for (Container c : entry.pod.spec().containers()) {
      apps.add(CompletableFuture.runAsync(() -> stopContainer(entry, c, deadline), workers));
    }
    joinAll(apps);
    List<Container> init = new ArrayList<>(entry.pod.spec().initContainers());
    java.util.Collections.reverse(init);
    for (Container c : init) {
      stopContainer(entry, c, deadline);
    }
    sandboxes.stop(entry.record.sandboxId(), PAUSE_STOP_TIMEOUT);
    save(entry, entry.record.withStage(Stage.Stopped));
    publish(entry, "", Type.SandboxStopped, "Stopped", "");
  }

  private void stopContainer(PodEntry entry, Container c, Instant deadline) {
    String id = entry.record.container(c.name()).containerId();
    Optional<TaskInfo> task = runtime.task(id);
    if (task.isEmpty() || task.get().status() != TaskStatus.Running) {
      return;
    }
    if (!c.supervision().preStopCommand().isEmpty()) {
      Duration left = Duration.between(scheduler.now(), deadline);
      try {
        if (!left.isNegative() && !left.isZero()) {
          containers.exec(id, paths.execDir(entry.record.uid()), c.supervision().preStopCommand(), Optional.of(left));
        }
      } catch (RuntimeException e) {
        publish(entry, c.name(), Type.ContainerExited, "FailedPreStopHook", e.getMessage());
      }
    }
    Duration left = Duration.between(scheduler.now(), deadline);
    containers.stop(id, containers.stopSignal(c.image()), left.isNegative() ? Duration.ZERO : left);
  }

  @Override
  public void remove(String podRef, boolean force) {
    PodEntry entry = resolve(podRef);
    synchronized (entry) {
      Stage stage = entry.record.stage();
      if (stage != Stage.Stopped && stage != Stage.Removing && stage != Stage.SandboxLost) {
        if (!force) {
          throw SandboxdException.failedPrecondition(
              "pod %s is %s: stop it first, or remove it with --force", entry.pod.fullName(),
              stage == Stage.Ready ? "running" : stage.name().toLowerCase());
        }
        // Every process of the pod at once, also a stuck or frozen one: the stop below then only collects exits.
        cgroups.kill(entry.record.uid());
        stopLocked(entry, Duration.ZERO);
      }
      save(entry, entry.record.withStage(Stage.Removing));
      removeEverything(entry.record);
      store.delete(entry.record.uid());
      release(entry);
      publish(entry, "", Type.SandboxRemoved, "", "");
    }
  }

  /** Every object of the pod, containerd's first; each step is idempotent, so this also finishes a crashed removal. */
  private void removeEverything(PodRecord record) {
    for (ContainerRecord c : record.containers()) {
      containers.remove(c.containerId());
    }
    for (ContainerRuntime.ContainerInfo leftover : runtime.listContainers(Map.of(Labels.POD_UID, record.uid()))) {
      if (!leftover.id().equals(record.sandboxId())) {
        containers.remove(leftover.id());
      }
    }
    sandboxes.shutdown(record.sandboxId());
    try {
      volumes.cleanup(record.uid());
    } catch (IOException e) {
      throw SandboxdException.internal("removing volumes of " + record.namespace() + "/" + record.name() + ": " + e.getMessage(), e);
    }
    cgroups.remove(record.uid());
  }

  private void removeContainers(PodEntry entry) {
    for (ContainerRecord c : entry.record.containers()) {
      containers.remove(c.containerId());
      byContainerId.remove(c.containerId());
    }
  }

  // --- queries ---

  @Override
  public List<PodStatus> list() {
    List<PodStatus> out = new ArrayList<>();
    for (PodEntry entry : pods.values()) {
      out.add(status(entry));
    }
    return out;
  }

  @Override
  public PodStatus inspect(String podRef) {
    return status(resolve(podRef));
  }

  @Override
  public void logs(String podRef, String container, boolean follow, OutputStream out, BooleanSupplier keepFollowing)
      throws IOException {
    PodEntry entry = resolve(podRef);
    ContainerRecord record = entry.record.container(container);
    BooleanSupplier running = () -> runtime.task(record.containerId())
        .map(t -> t.status() == TaskStatus.Running || t.status() == TaskStatus.Created)
        .orElse(false);
    logs.copy(Path.of(record.logPath()), out, follow, () -> keepFollowing.getAsBoolean() && running.getAsBoolean());
  }

  @Override
  public ExecResult exec(String podRef, String container, List<String> command, Optional<Duration> timeout) {
    PodEntry entry = resolve(podRef);
    ContainerRecord record = entry.record.container(container);
    return containers.exec(record.containerId(), paths.execDir(entry.record.uid()), command, timeout);
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
    PodEntry entry = resolve(podRef);
    synchronized (entry) {
      if (entry.record.stage() != Stage.Ready) {
        throw SandboxdException.failedPrecondition("pod %s is not running (%s)", entry.pod.fullName(),
            entry.record.stage().name().toLowerCase());
      }
      cgroups.freeze(entry.record.uid(), frozen);
      return status(entry);
    }
  }

  @Override
  public List<PodStats> stats(Optional<String> podRef) {
    List<PodEntry> entries = podRef.isPresent() ? List.of(resolve(podRef.get())) : List.copyOf(pods.values());
    List<PodStats> out = new ArrayList<>();
    for (PodEntry entry : entries) {
      PodRecord record = entry.record;
      List<PodStats.ContainerStats> containerStats = new ArrayList<>();
      for (ContainerRecord c : record.containers()) {
        String path = cgroups.taskPath(record.uid(), c.containerId());
        containerStats.add(new PodStats.ContainerStats(c.name(), c.containerId(), path, cgroups.usage(path)));
      }
      String podPath = cgroups.podPath(record.uid());
      out.add(new PodStats(record.namespace(), record.name(), record.uid(), podPath, cgroups.usage(podPath), containerStats));
    }
    return out;
  }

  @Override
  public LifecycleEvents events() {
    return events;
  }

  // --- recovery ---

  /**
   * Adopts what sandboxd recorded before a restart or crash: half-made and half-removed pods are
   * removed, half-stopped ones stopped, the rest supervised again (their back-off timers resume
   * from the record). containerd objects of sandboxd that no record claims are removed. Runs once,
   * before serving; the event stream's start then reconciles every adopted pod.
   */
  public void recover() {
    Set<String> known = new HashSet<>();
    for (PodRecord record : store.list()) {
      known.add(record.uid());
      Pod pod;
      try {
        Pod parsed = manifests.parse(record.manifest(), record.lenient()).pod();
        PodMeta meta = parsed.metadata();
        // A generated uid is not in the manifest: the record's is the pod's.
        pod = new Pod(new PodMeta(meta.name(), meta.namespace(), record.uid(), meta.labels(), meta.annotations()), parsed.spec());
      } catch (SandboxdException e) {
        LOG.log(Level.ERROR, "pod record {0} no longer parses ({1}); removing the pod", record.uid(), e.getMessage());
        removeRecorded(record);
        continue;
      }
      PodEntry entry = new PodEntry(pod, cgroups.plan(pod, true), record);
      switch (record.stage()) {
        case Creating:
        case Removing:
          LOG.log(Level.INFO, "rolling back {0}, left {1} by a crash", pod.fullName(), record.stage());
          removeRecorded(record);
          publish(entry, "", Type.SandboxRemoved, "Recovered", "removed a pod left " + record.stage());
          break;
        default:
          pods.put(record.uid(), entry);
          byContainerId.put(record.sandboxId(), entry);
          for (ContainerRecord c : record.containers()) {
            Optional<TaskInfo> task = runtime.task(c.containerId());
            if (c.restartAt() == null && (task.isEmpty() || task.get().status() == TaskStatus.Created)) {
              // A start cut short by the crash: clear what it left and give the container a new
              // id (runc may still know the old one), so the reconcile after the event stream
              // starts it afresh.
              containers.remove(c.containerId());
              entry.record = entry.record.withContainer(new ContainerRecord(c.name(), ids.get(), c.logPath(), null,
                  c.restartCount(), c.lastTermination(), c.backOff(), null, false));
            }
          }
          entry.record.containers().forEach(c -> byContainerId.put(c.containerId(), entry));
          store.save(entry.record);
          if (record.stage() == Stage.Ready) {
            // Probes live in memory: they start over for every container that still runs.
            for (ContainerRecord c : entry.record.containers()) {
              if (runtime.task(c.containerId()).map(t -> t.status() == TaskStatus.Running).orElse(false)) {
                probes.start(record.uid(), c.name(), c.containerId(), record.pausePid(), containerSpec(pod, c.name()).supervision());
              }
            }
          }
          if (record.stage() == Stage.Stopping) {
            synchronized (entry) {
              save(entry, record.withStage(Stage.Ready));
              stopLocked(entry, Duration.ZERO);
            }
          }
      }
    }
    for (ContainerRuntime.ContainerInfo c : runtime.listContainers(Map.of())) {
      String uid = c.labels().get(Labels.POD_UID);
      if (uid != null && !known.contains(uid)) {
        LOG.log(Level.INFO, "removing orphan container {0} of pod uid {1}", c.id(), uid);
        containers.remove(c.id());
        try {
          volumes.cleanup(uid);
        } catch (IOException e) {
          LOG.log(Level.WARNING, "removing volumes of orphan pod " + uid, e);
        }
        cgroups.remove(uid);
      }
    }
  }

  private void removeRecorded(PodRecord record) {
    try {
      removeEverything(record);
      store.delete(record.uid());
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "removing pod " + record.uid() + " failed; it stays recorded and is retried at the next start", e);
    }
  }

  // --- helpers ---

  private PodStatus status(PodEntry entry) {
    PodRecord record = entry.record;
    SandboxController.SandboxInfo sandbox = sandboxes.status(record.sandboxId());
    SandboxStatus.State sandboxState = record.stage() == Stage.Creating && !sandbox.running()
        ? SandboxStatus.State.NotReady
        : sandbox.running() ? SandboxStatus.State.Ready : SandboxStatus.State.Stopped;
    Instant now = scheduler.now();
    boolean hasInit = !entry.pod.spec().initContainers().isEmpty();
    List<ContainerStatus> init = new ArrayList<>();
    for (Container c : entry.pod.spec().initContainers()) {
      init.add(containerStatus(record, c, false, now));
    }
    List<ContainerStatus> apps = new ArrayList<>();
    for (Container c : entry.pod.spec().containers()) {
      apps.add(containerStatus(record, c, hasInit, now));
    }
    PodPhase phase;
    if (record.stage() == Stage.Creating) {
      phase = PodPhase.Pending;
    } else if (record.stage() == Stage.SandboxLost) {
      phase = PodPhase.Failed;
    } else if (entry.pod.spec().containers().isEmpty() && entry.pod.spec().initContainers().isEmpty()) {
      // A pod of its sandbox alone (a lenient manifest without containers) lives as its sandbox does.
      phase = sandboxState == SandboxStatus.State.Ready ? PodPhase.Running : PodPhase.Succeeded;
    } else {
      phase = PodPhases.of(entry.pod.spec(), init, apps, record.stage() == Stage.Stopped || record.stage() == Stage.Stopping);
    }
    return new PodStatus(entry.pod, record.createdAt(), phase,
        new SandboxStatus(record.sandboxId(), sandboxState, sandbox.pid(), cgroups.taskPath(record.uid(), record.sandboxId()),
            sandbox.netnsPath(), record.createdAt()),
        init, apps,
        entry.resources.qos(),
        cgroups.frozen(record.uid()),
        entry.resources.warnings());
  }

  private ContainerStatus containerStatus(PodRecord record, Container c, boolean podHasInit, Instant now) {
    ContainerRecord cr = record.container(c.name());
    return ContainerStates.of(c, cr, runtime.task(cr.containerId()), podHasInit, probes, now, oomKills(record, cr));
  }

  /** Whether the kernel OOM-killed in the container's cgroup (its memory.events), asked only for an exit 137. */
  private BooleanSupplier oomKills(PodRecord record, ContainerRecord cr) {
    String cgroup = cgroups.taskPath(record.uid(), cr.containerId());
    return () -> cgroups.oomKills(cgroup) > 0;
  }

  private void cancelRestarts(PodEntry entry) {
    entry.restarts.values().forEach(Scheduler.Cancellable::cancel);
    entry.restarts.clear();
    List<ContainerRecord> cleared = new ArrayList<>();
    for (ContainerRecord cr : entry.record.containers()) {
      cleared.add(cr.restartAt() == null ? cr : cr.restartScheduled(null));
    }
    save(entry, entry.record.withContainers(cleared));
  }

  private void publish(PodEntry entry, String container, Type type, String reason, String message) {
    events.publish(new LifecycleEvent(scheduler.now(), entry.pod.fullName(), entry.pod.metadata().uid(), container, type, reason, message));
  }

  private void claim(PodEntry entry) {
    synchronized (pods) {
      for (PodEntry other : pods.values()) {
        if (other.pod.fullName().equals(entry.pod.fullName())) {
          throw SandboxdException.alreadyExists(
              "pod %s exists already (sandbox %s): remove it first", entry.pod.fullName(), other.record.sandboxId());
        }
      }
      if (pods.putIfAbsent(entry.record.uid(), entry) != null) {
        throw SandboxdException.alreadyExists("a pod with uid %s exists already", entry.record.uid());
      }
    }
  }

  private void release(PodEntry entry) {
    pods.remove(entry.record.uid(), entry);
    byContainerId.values().removeIf(e -> e == entry);
  }

  private void save(PodEntry entry, PodRecord next) {
    store.save(next);
    entry.record = next;
  }

  private PodEntry resolve(String ref) {
    String namespace = "default";
    String name = ref;
    int slash = ref.indexOf('/');
    if (slash >= 0) {
      namespace = ref.substring(0, slash);
      name = ref.substring(slash + 1);
    }
    List<PodEntry> bySandbox = new ArrayList<>();
    for (PodEntry e : pods.values()) {
      if (e.pod.metadata().namespace().equals(namespace) && e.pod.metadata().name().equals(name)) {
        return e;
      }
      if (slash < 0 && ref.length() >= 6 && e.record.sandboxId().startsWith(ref)) {
        bySandbox.add(e);
      }
    }
    if (bySandbox.size() == 1) {
      return bySandbox.get(0);
    }
    if (bySandbox.size() > 1) {
      throw SandboxdException.invalidArgument("pod: sandbox id prefix %s is ambiguous", ref);
    }
    throw SandboxdException.notFound("pod %s not found", slash < 0 ? "default/" + ref : ref);
  }

  private static Container containerSpec(Pod pod, String name) {
    return allContainers(pod).stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  private static List<Container> allContainers(Pod pod) {
    List<Container> all = new ArrayList<>(pod.spec().initContainers());
    all.addAll(pod.spec().containers());
    return all;
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
