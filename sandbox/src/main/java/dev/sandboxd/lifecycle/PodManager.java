package dev.sandboxd.lifecycle;

import dev.sandboxd.cgroup.PodCgroups;
import dev.sandboxd.cgroup.PodResources;
import dev.sandboxd.container.ContainerLaunch;
import dev.sandboxd.container.ContainerManager;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.ParsedPod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.pod.PodMeta;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.TaskExit;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.sandbox.SandboxController;
import dev.sandboxd.spec.EtcFiles;
import dev.sandboxd.spec.VolumeBind;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import dev.sandboxd.state.PodStore;
import dev.sandboxd.volume.VolumeManager;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs, stops, removes and reports pods: the sandbox first, then volumes and containers, each
 * step undone in reverse when a later one fails. Operations on one pod are serialised; different
 * pods proceed in parallel.
 */
public final class PodManager implements PodLifecycle {
  private static final Duration PAUSE_STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final Path NODE_RESOLV_CONF = Path.of("/etc/resolv.conf");
  /** Init containers must finish within this before the pod is given up (restarts: later issue). */
  private static final Duration INIT_CONTAINER_TIMEOUT = Duration.ofMinutes(10);

  private final PodManifests manifests;
  private final SandboxController sandboxes;
  private final ContainerManager containers;
  private final ContainerRuntime runtime;
  private final VolumeManager volumes;
  private final PodCgroups cgroups;
  private final PodStore store;
  private final PodPaths paths;
  private final LogReader logs;
  private final Clock clock;
  private final Supplier<String> ids;
  private final ExecutorService workers;

  /** Pods by uid. The entry's monitor serialises operations on that pod. */
  private final Map<String, PodEntry> pods = new ConcurrentHashMap<>();

  public PodManager(
      PodManifests manifests,
      SandboxController sandboxes,
      ContainerManager containers,
      ContainerRuntime runtime,
      VolumeManager volumes,
      PodCgroups cgroups,
      PodStore store,
      PodPaths paths,
      Clock clock,
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
    this.logs = new LogReader();
    this.clock = clock;
    this.ids = ids;
    this.workers = workers;
  }

  /** One pod: its parsed spec, its cgroup plan and sandboxd's record of it, replaced as the pod moves on. */
  private static final class PodEntry {
    final Pod pod;
    final PodResources resources;
    volatile PodRecord record;

    PodEntry(Pod pod, PodResources resources, PodRecord record) {
      this.pod = pod;
      this.resources = resources;
      this.record = record;
    }
  }

  @Override
  public RunResult run(String manifest, boolean lenient) {
    ParsedPod parsed = manifests.parse(manifest, lenient);
    Pod pod = parsed.pod();
    String uid = pod.metadata().uid();
    // Before anything exists: a limit this node cannot enforce refuses the pod here.
    PodResources resources = cgroups.plan(pod, false);
    String sandboxId = ids.get();
    List<ContainerRecord> containerRecords = new ArrayList<>();
    for (Container c : allContainers(pod)) {
      containerRecords.add(new ContainerRecord(
          c.name(), ids.get(), paths.containerLog(uid, c.name(), 0).toString(), null, 0));
    }
    PodRecord record = new PodRecord(uid, pod.metadata().namespace(), pod.metadata().name(), manifest, lenient,
        sandboxId, cgroups.podPath(uid), clock.instant(), Stage.Creating, 0, containerRecords);
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
          Map<String, Path> prepared = volumes.prepare(pod);
          EtcFiles etc = volumes.writeEtcFiles(pod, pod.hostname(), NODE_RESOLV_CONF);

          cgroups.create(uid, resources.pod());
          rollback.push("shut down sandbox", () -> sandboxes.shutdown(sandboxId));
          sandboxes.create(pod, sandboxId, cgroups.taskPath(uid, sandboxId));
          SandboxController.SandboxInfo sandbox = sandboxes.start(sandboxId);
          save(entry, entry.record.withPausePid(sandbox.pid()));

          for (Container init : pod.spec().initContainers()) {
            runInitContainer(entry, init, prepared, etc, rollback);
          }
          for (Container app : pod.spec().containers()) {
            startContainer(entry, app, Labels.ROLE_APP, prepared, etc, rollback);
          }
          save(entry, entry.record.withStage(Stage.Ready));
          rollback.commit();
        } catch (RuntimeException e) {
          throw rollback.failed(e);
        }
      }
      return new RunResult(status(entry), parsed.warnings());
    }
  }

  private void runInitContainer(
      PodEntry entry, Container init, Map<String, Path> prepared, EtcFiles etc, Rollback rollback) {
    String id = startContainer(entry, init, Labels.ROLE_INIT, prepared, etc, rollback);
    Optional<TaskExit> exit = runtime.waitTask(id, INIT_CONTAINER_TIMEOUT);
    if (exit.isEmpty()) {
      throw SandboxdException.failedPrecondition(
          "init container %s did not finish within %d minutes", init.name(), INIT_CONTAINER_TIMEOUT.toMinutes());
    }
    if (exit.get().exitCode() != 0) {
      throw SandboxdException.failedPrecondition(
          "init container %s exited with code %d; see `sandboxctl logs %s %s`",
          init.name(), exit.get().exitCode(), entry.pod.fullName(), init.name());
    }
  }

  private String startContainer(
      PodEntry entry, Container c, String role, Map<String, Path> prepared, EtcFiles etc, Rollback rollback) {
    PodRecord record = entry.record;
    ContainerRecord cr = containerRecord(record, c.name());
    List<VolumeBind> binds = volumes.binds(c, prepared);
    rollback.push("remove container " + c.name(), () -> containers.remove(cr.containerId()));
    containers.createAndStart(new ContainerLaunch(entry.pod, c, role, cr.containerId(), record.sandboxId(),
        record.pausePid(), cgroups.taskPath(record.uid(), cr.containerId()), binds, etc, Path.of(cr.logPath()),
        entry.resources.container(c.name())));
    Instant started = clock.instant();
    List<ContainerRecord> updated = new ArrayList<>();
    for (ContainerRecord r : entry.record.containers()) {
      updated.add(r.name().equals(c.name())
          ? new ContainerRecord(r.name(), r.containerId(), r.logPath(), started, r.restartCount())
          : r);
    }
    save(entry, entry.record.withContainers(updated));
    return cr.containerId();
  }

  @Override
  public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
    PodEntry entry = resolve(podRef);
    synchronized (entry) {
      stopLocked(entry, gracePeriod.orElse(Duration.ofSeconds(entry.pod.spec().terminationGracePeriodSeconds())));
      return status(entry);
    }
  }

  private void stopLocked(PodEntry entry, Duration grace) {
    if (entry.record.stage() == Stage.Stopped) {
      return;
    }
    save(entry, entry.record.withStage(Stage.Stopping));
    // A frozen task would not see SIGTERM until thawed.
    if (cgroups.frozen(entry.record.uid())) {
      cgroups.freeze(entry.record.uid(), false);
    }
    // App containers stop together, each with the whole grace period, as kubelet does.
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (Container c : allContainers(entry.pod)) {
      String id = containerRecord(entry.record, c.name()).containerId();
      stops.add(CompletableFuture.runAsync(() -> containers.stop(id, containers.stopSignal(c.image()), grace), workers));
    }
    joinAll(stops);
    sandboxes.stop(entry.record.sandboxId(), PAUSE_STOP_TIMEOUT);
    save(entry, entry.record.withStage(Stage.Stopped));
  }

  @Override
  public void remove(String podRef, boolean force) {
    PodEntry entry = resolve(podRef);
    synchronized (entry) {
      PodRecord record = entry.record;
      if (record.stage() != Stage.Stopped && record.stage() != Stage.Removing) {
        if (!force) {
          throw SandboxdException.failedPrecondition(
              "pod %s is %s: stop it first, or remove it with --force", entry.pod.fullName(),
              record.stage() == Stage.Ready ? "running" : record.stage().name().toLowerCase());
        }
        // Every process of the pod at once, also a stuck or frozen one: the stop below then only collects exits.
        cgroups.kill(record.uid());
        stopLocked(entry, Duration.ZERO);
      }
      save(entry, entry.record.withStage(Stage.Removing));
      for (ContainerRecord c : entry.record.containers()) {
        containers.remove(c.containerId());
      }
      sandboxes.shutdown(record.sandboxId());
      try {
        volumes.cleanup(record.uid());
      } catch (IOException e) {
        throw SandboxdException.internal("removing volumes of " + entry.pod.fullName() + ": " + e.getMessage(), e);
      }
      cgroups.remove(record.uid());
      store.delete(record.uid());
      release(entry);
    }
  }

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
    ContainerRecord record = containerRecord(entry.record, container);
    BooleanSupplier running = () -> runtime.task(record.containerId())
        .map(t -> t.status() == ContainerRuntime.TaskStatus.Running || t.status() == ContainerRuntime.TaskStatus.Created)
        .orElse(false);
    logs.copy(Path.of(record.logPath()), out, follow, () -> keepFollowing.getAsBoolean() && running.getAsBoolean());
  }

  @Override
  public ExecResult exec(String podRef, String container, List<String> command, Optional<Duration> timeout) {
    PodEntry entry = resolve(podRef);
    ContainerRecord record = containerRecord(entry.record, container);
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

  /** Adopts the pods sandboxd recorded before a restart; runs once, before serving. */
  public void recover() {
    for (PodRecord record : store.list()) {
      Pod pod = manifests.parse(record.manifest(), record.lenient()).pod();
      // A generated uid is not in the manifest: the record's is the pod's.
      PodMeta meta = pod.metadata();
      Pod adopted = new Pod(new PodMeta(meta.name(), meta.namespace(), record.uid(), meta.labels(), meta.annotations()), pod.spec());
      pods.put(record.uid(), new PodEntry(adopted, cgroups.plan(adopted, true), record));
    }
  }

  private PodStatus status(PodEntry entry) {
    PodRecord record = entry.record;
    SandboxController.SandboxInfo sandbox = sandboxes.status(record.sandboxId());
    SandboxStatus.State sandboxState = record.stage() == Stage.Creating && !sandbox.running()
        ? SandboxStatus.State.NotReady
        : sandbox.running() ? SandboxStatus.State.Ready : SandboxStatus.State.Stopped;
    List<ContainerStatus> init = new ArrayList<>();
    for (Container c : entry.pod.spec().initContainers()) {
      init.add(containerStatus(record, c));
    }
    List<ContainerStatus> apps = new ArrayList<>();
    for (Container c : entry.pod.spec().containers()) {
      apps.add(containerStatus(record, c));
    }
    return new PodStatus(
        entry.pod,
        record.createdAt(),
        PodPhases.of(record.stage(), sandboxState, init, apps),
        new SandboxStatus(record.sandboxId(), sandboxState, sandbox.pid(), cgroups.taskPath(record.uid(), record.sandboxId()),
            sandbox.netnsPath(), record.createdAt()),
        init,
        apps,
        entry.resources.qos(),
        cgroups.frozen(record.uid()),
        entry.resources.warnings());
  }

  private ContainerStatus containerStatus(PodRecord record, Container c) {
    ContainerRecord cr = containerRecord(record, c.name());
    String cgroup = cgroups.taskPath(record.uid(), cr.containerId());
    return ContainerStates.of(c, cr, record.stage(), runtime, () -> cgroups.oomKills(cgroup) > 0);
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

  private static ContainerRecord containerRecord(PodRecord record, String name) {
    return record.containers().stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(() -> SandboxdException.notFound("container %s not found in pod %s/%s", name, record.namespace(), record.name()));
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
