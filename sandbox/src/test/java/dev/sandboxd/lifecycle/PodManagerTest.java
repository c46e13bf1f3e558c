package dev.sandboxd.lifecycle;

import dev.sandboxd.probe.ContainerProbes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.cgroup.Cgroup2Fs;
import dev.sandboxd.cgroup.FakeCgroupFs;
import dev.sandboxd.cgroup.QosClass;
import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.container.ContainerManager;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.ImageService;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.metrics.SandboxdMetrics;
import dev.sandboxd.image.StaticImages;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.sandbox.PauseSandboxController;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodStore;
import dev.sandboxd.supervisor.ManualScheduler;
import dev.sandboxd.supervisor.RestartBackOff;
import dev.sandboxd.spec.ProcessPrivileges;
import dev.sandboxd.volume.FakeVolumeSystem;
import dev.sandboxd.podfiles.ClusterDns;
import dev.sandboxd.podfiles.PodFileWriter;
import dev.sandboxd.volume.VolumeManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pod workflow against an in-memory containerd: what it creates, in which order, and what it leaves. */
class PodManagerTest {
  static final String PAUSE = StaticImages.PAUSE;
  static final String BUSYBOX = StaticImages.BUSYBOX;

  @TempDir Path root;
  final FakeContainerRuntime runtime = new FakeContainerRuntime();
  final MemoryStore store = new MemoryStore();
  FakeCgroupFs cgroupFs;
  final ExecutorService workers = Executors.newCachedThreadPool();
  final ManualScheduler scheduler = new ManualScheduler(Instant.parse("2026-11-22T00:00:00Z"));
  final LifecycleEvents events = new LifecycleEvents();
  final FakeVolumeSystem volumeSystem = new FakeVolumeSystem();
  PodManager pods;

  @BeforeEach
  void setUp() {
    cgroupFs = new FakeCgroupFs(root.resolve("cgroup"), "cpu", "memory", "pids", "hugetlb");
    pods = newManager();
  }

  private final AtomicInteger ids = new AtomicInteger();

  PodManager newManager() {
    return newManager(new StaticImages());
  }

  PodManager newManager(ImageService images) {
    ProcessPrivileges privileges = new ProcessPrivileges(List.of("CAP_CHOWN", "CAP_KILL"), 0);
    return new PodManager(
        new PodManifests(() -> "generated-" + ids.incrementAndGet()),
        new PauseSandboxController(runtime, new PauseImage(images, PAUSE), privileges, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)),
        new ContainerManager(runtime, images, path -> {}, privileges, workers, SandboxdMetrics.NONE,
            log -> log.toUri().toString()),
        new VolumeManager(root.resolve("pods"), volumeSystem, volumeSystem),
        new PodFileWriter(root.resolve("pods"), new ClusterDns(List.of("10.96.0.10"), ClusterDns.DEFAULT_DOMAIN),
            Path.of("/etc/hosts"), Optional.empty()),
        new Cgroup2Fs(cgroupFs, "/test", new ResourcePolicy(0, ResourcePolicy.MissingController.reject, 1L << 32)),
        store,
        new PodPaths(root),
        scheduler,
        new RestartBackOff(Duration.ofSeconds(10), Duration.ofSeconds(300)),
        events,
        () -> String.format("id%04d", ids.incrementAndGet()),
        // Pod workers on the caller's thread: each call and event is done when it returns.
        Runnable::run);
  }

  @AfterEach
  void tearDown() {
    workers.shutdownNow();
  }

  static String manifest(String name, String... containers) {
    StringBuilder out = new StringBuilder("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, uid: uid-%s}
        spec:
          terminationGracePeriodSeconds: 1
          volumes: [{name: data, emptyDir: {}}]
          containers:
        """.formatted(name, name));
    for (String c : containers) {
      out.append("  - {name: ").append(c).append(", image: ").append(BUSYBOX)
          .append(", command: [sleep, '1'], volumeMounts: [{name: data, mountPath: /data}]}\n");
    }
    return out.toString();
  }

  @Test
  void runCreatesThePauseSandboxFirstThenEveryContainerInItsCgroup() {
    PodStatus status = pods.run(manifest("web", "a", "b"), false).status();

    assertEquals(PodPhase.Running, status.phase());
    assertEquals(SandboxStatus.State.Ready, status.sandbox().state());
    String sandboxId = status.sandbox().id();
    List<String> order = runtime.calls.stream().filter(c -> c.startsWith("start-task")).toList();
    assertEquals(List.of("start-task " + sandboxId, "start-task " + status.containers().get(0).containerId(),
        "start-task " + status.containers().get(1).containerId()), order, "pause first, then the containers in order");
    assertEquals(Labels.ROLE_PAUSE, runtime.containers.get(sandboxId).labels().get(Labels.ROLE));
    assertEquals("default/web", runtime.containers.get(sandboxId).labels().get(Labels.POD));
    String spec = new String(runtime.containers.get(status.containers().get(0).containerId()).specJson());
    assertTrue(spec.contains("\"/proc/" + status.sandbox().pid() + "/ns/net\""), spec);
    assertTrue(spec.contains("\"cgroupsPath\":\"/test/poduid-web/" + status.containers().get(0).containerId() + "\""), spec);
    assertTrue(spec.contains("\"io.containerd.runc.v2.group\":\"" + sandboxId + "\""), spec);
    assertTrue(spec.contains("\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"" + root.resolve("pods/uid-web/etc/hosts")), spec);
    assertEquals(PodRecord.Stage.Ready, store.get("uid-web").orElseThrow().stage());
    assertTrue(Files.isDirectory(root.resolve("pods/uid-web/volumes/data")));
  }

  @Test
  void aFailureHalfwayRollsBackEverythingInReverse() {
    runtime.failCreateTaskWhen(id -> id.equals("id0002")); // the second app container (the sandbox is id0003)
    SandboxdException e = assertThrows(SandboxdException.class, () -> pods.run(manifest("web", "a", "b"), false));

    assertTrue(e.getMessage().contains("injected"), e.getMessage());
    assertEquals(List.of("SandboxCreated", "SandboxReady", "ContainerStarted"),
        events.recent().stream().map(ev -> ev.type().name()).toList());
    assertEquals(Map.of(), runtime.leftovers(), "nothing left in containerd");
    assertTrue(store.records.isEmpty(), "no record left");
    assertFalse(cgroupFs.exists("/test/poduid-web"), "pod cgroup removed");
    assertFalse(Files.exists(root.resolve("pods/uid-web")), "pod directory removed");
    assertTrue(pods.list().isEmpty());
    // The name is free again.
    runtime.failCreateTaskWhen(id -> false);
    assertEquals(PodPhase.Running, pods.run(manifest("web", "a", "b"), false).status().phase());
  }

  @Test
  void eventsOfAFailedRunFindNothingToRebuild() {
    // The bug: the rollback raced the pod's own exit events, which rebuilt a hidden pod.
    runtime.failCreateTaskWhen(id -> id.equals("id0002"));
    assertThrows(SandboxdException.class, () -> pods.run(manifest("web", "a", "b"), false));
    int containersBefore = runtime.containers.size();

    pods.taskExited("id0003", 137, scheduler.now()); // the pause task the rollback killed
    pods.taskExited("id0001", 137, scheduler.now()); // the first app container
    pods.streamStarted();
    scheduler.advance(Duration.ofMinutes(10));

    assertEquals(containersBefore, runtime.containers.size(), "nothing made again");
    assertEquals(Map.of(), runtime.leftovers());
    assertTrue(store.records.isEmpty());
    assertTrue(pods.list().isEmpty());
    assertEquals(0, scheduler.pendingCount(), "no restart timer left");
  }

  @Test
  void aRunThatFailsHalfwayStopsTheProbesItStarted() {
    List<String> probing = new ArrayList<>();
    pods.useProbes(new ContainerProbes() {
      @Override
      public void start(String podUid, String containerName, String containerId, int pausePid, dev.sandboxd.pod.Supervision s) {
        probing.add(podUid + " " + containerId);
      }

      @Override
      public void stop(String containerId) {
        probing.removeIf(p -> p.endsWith(" " + containerId));
      }

      @Override
      public void stopAll(String podUid) {
        probing.removeIf(p -> p.startsWith(podUid + " "));
      }

      @Override
      public boolean started(String containerId) {
        return true;
      }

      @Override
      public boolean ready(String containerId) {
        return true;
      }
    });
    runtime.failCreateTaskWhen(id -> id.equals("id0002"));

    assertThrows(SandboxdException.class, () -> pods.run(manifest("web", "a", "b"), false));

    assertEquals(List.of(), probing, "the first container's probes ended with the rollback");
  }

  @Test
  void aContainerWhoseImageWasRemovedStillStopsWithTheSignalRecordedAtCreate() {
    MutableImages images = new MutableImages();
    pods = newManager(images);
    images.stopSignal = Optional.of("SIGINT");
    PodStatus running = pods.run(manifest("web", "a"), false).status();
    images.gone = true; // `ctr image rm` while the pod runs

    pods.stop("web", Optional.of(Duration.ofSeconds(1)));

    assertTrue(runtime.calls.contains("kill " + running.containers().get(0).containerId() + " 2"), runtime.calls.toString());
    pods.remove("web", false);
    assertEquals(Map.of(), runtime.leftovers());
  }

  @Test
  void statusReadsAskContainerdNothing() {
    pods.run(manifest("web", "a", "b"), false);
    runtime.calls.clear();

    pods.list();
    pods.inspect("web");

    assertEquals(List.of(), runtime.calls);
  }

  @Test
  void aOneContainerRunCreatesAndStartsTwoTasksAndLooksNothingUp() {
    PodStatus status = pods.run(manifest("web", "a"), false).status();

    // The app's create-container is two containerd calls (container, snapshot); the pause's one, on
    // the shared view made at the node's first pod: 7 in all from then on, as PodWorkersE2E counts.
    String pause = status.sandbox().id();
    String app = status.containers().get(0).containerId();
    assertEquals(List.of("shared-view sandboxd-pause-rootfs-sha256-pausechain",
        "create-container " + pause, "create-task " + pause, "start-task " + pause,
        "create-container " + app, "create-task " + app, "start-task " + app), runtime.calls);
    runtime.calls.clear();

    pods.run(manifest("web2", "a"), false);

    assertEquals(6, runtime.calls.size(), "no shared view call after the first pod: " + runtime.calls);
  }

  /** StaticImages whose busybox can be given a stop signal or removed. */
  static final class MutableImages implements ImageService {
    private final StaticImages images = new StaticImages();
    volatile Optional<String> stopSignal = Optional.empty();
    volatile boolean gone;

    @Override
    public List<ImageSummary> importArchive(java.io.InputStream archive) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<ImageSummary> list() {
      return List.of();
    }

    @Override
    public ResolvedImage resolve(String reference) {
      if (gone && reference.equals(BUSYBOX)) {
        throw SandboxdException.notFound("image %s not found", reference);
      }
      ResolvedImage r = images.resolve(reference);
      dev.sandboxd.image.ImageConfig c = r.config();
      return new ResolvedImage(r.name(), r.digest(), new dev.sandboxd.image.ImageConfig(c.entrypoint(), c.cmd(), c.env(),
          c.workingDir(), c.user(), reference.equals(BUSYBOX) ? stopSignal : c.stopSignal()), r.chainId(), r.architecture());
    }

    @Override
    public List<ImageSummary> importOwn(java.io.InputStream archive) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void remove(String reference) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void forget(String name) {}

    @Override
    public void forgetAll() {}
  }

  @Test
  void aSecondPodWithTheSameNameIsRefusedAndChangesNothing() {
    pods.run(manifest("web", "a"), false);
    int objects = runtime.containers.size();
    assertThrows(SandboxdException.AlreadyExists.class, () -> pods.run(manifest("web", "a").replace("uid-web", "uid-other"), false));
    assertEquals(objects, runtime.containers.size());
  }

  @Test
  void removeRefusesARunningPodUnlessForced() {
    pods.run(manifest("web", "a"), false);
    assertThrows(SandboxdException.FailedPrecondition.class, () -> pods.remove("web", false));
    pods.remove("web", true);
    assertEquals(Map.of(), runtime.leftovers());
    assertTrue(store.records.isEmpty());
    assertThrows(SandboxdException.NotFound.class, () -> pods.inspect("web"));
  }

  @Test
  void stopKillsAContainerThatIgnoresItsStopSignalAfterTheGracePeriod() {
    PodStatus running = pods.run(manifest("web", "a", "b"), false).status();
    String a = running.containers().get(0).containerId();
    runtime.ignoredSignal.put(a, 15);

    PodStatus stopped = pods.stop("default/web", Optional.of(Duration.ofMillis(10)));

    assertEquals(SandboxStatus.State.Stopped, stopped.sandbox().state());
    ContainerStatus.Terminated terminated = (ContainerStatus.Terminated) stopped.containers().get(0).state();
    assertEquals(137, terminated.exitCode(), "SIGKILL after the grace period");
    assertEquals("Error", terminated.reason());
    assertEquals(143, ((ContainerStatus.Terminated) stopped.containers().get(1).state()).exitCode());
    int pauseKill = runtime.calls.indexOf("kill " + running.sandbox().id() + " 15");
    assertTrue(pauseKill > runtime.calls.indexOf("kill " + a + " 9"), "pause is stopped last: " + runtime.calls);
    pods.remove("web", false);
    assertEquals(Map.of(), runtime.leftovers());
  }

  @Test
  void podsAreFoundByNameNamespaceAndSandboxIdPrefix() {
    PodStatus status = pods.run(manifest("web", "a"), false).status();
    assertEquals("web", pods.inspect("web").pod().metadata().name());
    assertEquals("web", pods.inspect("default/web").pod().metadata().name());
    assertEquals("web", pods.inspect(status.sandbox().id().substring(0, 6)).pod().metadata().name());
    assertThrows(SandboxdException.NotFound.class, () -> pods.inspect("other/web"));
  }

  @Test
  void phaseFollowsTheContainersWhenTheyExitUnderNever() {
    PodStatus status = pods.run(manifest("job", "a", "b").replace("terminationGracePeriodSeconds: 1", "restartPolicy: Never"), false).status();
    exit(status.containers().get(0).containerId(), 0);
    assertEquals(PodPhase.Running, pods.inspect("job").phase());
    exit(status.containers().get(1).containerId(), 2);
    assertEquals(PodPhase.Failed, pods.inspect("job").phase());
    assertEquals(0, scheduler.pendingCount(), "nothing is restarted under Never");
  }

  void exit(String containerId, int code) {
    runtime.exit(containerId, code);
    pods.taskExited(containerId, code, scheduler.now());
  }

  @Test
  void recoveryAdoptsRecordedPodsWithTheirUid() {
    String generated = pods.run(manifest("web", "a").replace(", uid: uid-web", ""), false).status().pod().metadata().uid();
    PodManager restarted = newManager();
    restarted.recover();
    PodStatus adopted = restarted.inspect("web");
    assertEquals(generated, adopted.pod().metadata().uid());
    assertEquals(PodPhase.Running, adopted.phase());
    restarted.remove("web", true);
    assertEquals(Map.of(), runtime.leftovers());
  }

  // --- supervision ---

  static String pod(String name, String policy, String initContainers, String containers) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, uid: uid-%s}
        spec:
          restartPolicy: %s
          terminationGracePeriodSeconds: 1
          initContainers: [%s]
          containers: [%s]
        """.formatted(name, name, policy, initContainers, containers);
  }

  static String c(String name) {
    return "{name: " + name + ", image: " + BUSYBOX + ", command: [sleep, '1']}";
  }

  static String sidecar(String name) {
    return "{name: " + name + ", image: " + BUSYBOX + ", command: [sleep, '1'], restartPolicy: Always}";
  }

  ContainerStatus container(String pod, String name) {
    PodStatus status = pods.inspect(pod);
    return java.util.stream.Stream.concat(status.initContainers().stream(), status.containers().stream())
        .filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aCrashingContainerRestartsWithKubeletsGrowingBackOff() {
    pods.run(pod("crash", "Always", "", c("app")), false);
    String first = container("crash", "app").containerId();

    exit(first, 1);
    scheduler.advance(Duration.ZERO);
    ContainerStatus second = container("crash", "app");
    assertEquals(1, second.restartCount(), "the first restart is immediate");
    assertTrue(second.state() instanceof ContainerStatus.Running);
    assertEquals(1, second.lastState().orElseThrow().exitCode());
    assertEquals("Error", second.lastState().orElseThrow().reason());

    exit(second.containerId(), 1);
    ContainerStatus waiting = container("crash", "app");
    assertEquals("CrashLoopBackOff", ((ContainerStatus.Waiting) waiting.state()).reason());
    assertEquals(PodPhase.Running, pods.inspect("crash").phase());
    scheduler.advance(Duration.ofSeconds(9));
    assertEquals(1, container("crash", "app").restartCount(), "still backing off after 9 s");
    scheduler.advance(Duration.ofSeconds(1));
    ContainerStatus third = container("crash", "app");
    assertEquals(2, third.restartCount(), "restarted after 10 s");

    exit(third.containerId(), 1);
    scheduler.advance(Duration.ofSeconds(19));
    assertEquals(2, container("crash", "app").restartCount());
    scheduler.advance(Duration.ofSeconds(1));
    assertEquals(3, container("crash", "app").restartCount(), "then after 20 s");
    assertFalse(runtime.containers.containsKey(first), "ended runs are removed");
    assertEquals(List.of("ContainerExited", "ContainerRestarted", "ContainerExited", "ContainerBackOff", "ContainerRestarted"),
        events.recent().stream().map(e -> e.type().name()).filter(t -> t.startsWith("Container")).toList().subList(1, 6));
  }

  @Test
  void aSubPathIsStagedPerRunAndItsMountGoesWithTheRunThePodAndACrash() throws Exception {
    String app = "{name: app, image: " + BUSYBOX + ", volumeMounts: [{name: data, mountPath: /d, subPath: d}]}";
    pods.run(pod("sub", "Always", "", app).replace("containers:", "volumes: [{name: data, emptyDir: {}}]\n  containers:"), false);
    String first = container("sub", "app").containerId();
    Path staged = root.resolve("pods/uid-sub/subpaths/" + first + "/0");
    assertEquals(root.resolve("pods/uid-sub/volumes/data/d").toString(), volumeSystem.mounted.get(staged));
    assertTrue(new String(runtime.containers.get(first).specJson()).contains("\"source\":\"" + staged + "\""),
        "runc is given the staging path");

    exit(first, 1);
    scheduler.advance(Duration.ZERO);
    String second = container("sub", "app").containerId();
    assertFalse(volumeSystem.mounted.containsKey(staged), "the ended run's staging mount is gone");
    assertFalse(Files.exists(staged.getParent()));
    assertTrue(volumeSystem.mounted.containsKey(root.resolve("pods/uid-sub/subpaths/" + second + "/0")));

    // A crash between staging and recording leaves a run nobody knows: recovery sweeps it.
    Path stray = Files.createDirectories(root.resolve("pods/uid-sub/subpaths/stray/0"));
    volumeSystem.mounted.put(stray, "left by a crash");
    PodManager restarted = newManager();
    restarted.recover();
    assertFalse(volumeSystem.mounted.containsKey(stray));
    assertTrue(volumeSystem.mounted.containsKey(root.resolve("pods/uid-sub/subpaths/" + second + "/0")), "the running one stays");

    restarted.remove("sub", true);
    assertEquals(Map.of(), volumeSystem.mounted, "no staging mount after removal");
    assertFalse(Files.exists(root.resolve("pods/uid-sub")));
  }

  @Test
  void onFailureLeavesASuccessAloneAndRestartsAFailure() {
    pods.run(pod("job", "OnFailure", "", c("ok") + ", " + c("bad")), false);
    exit(container("job", "ok").containerId(), 0);
    exit(container("job", "bad").containerId(), 3);
    scheduler.advance(Duration.ZERO);
    assertEquals("Completed", ((ContainerStatus.Terminated) container("job", "ok").state()).reason());
    assertEquals(0, container("job", "ok").restartCount());
    assertEquals(1, container("job", "bad").restartCount());
    assertEquals(PodPhase.Running, pods.inspect("job").phase());
  }

  @Test
  void initContainersRunOneAfterAnotherBeforeTheApps() {
    pods.run(pod("init", "Never", c("first") + ", " + c("second"), c("app")), false);
    assertTrue(container("init", "first").state() instanceof ContainerStatus.Running);
    assertEquals("PodInitializing", ((ContainerStatus.Waiting) container("init", "app").state()).reason());
    assertEquals(PodPhase.Pending, pods.inspect("init").phase());

    exit(container("init", "first").containerId(), 0);
    assertTrue(container("init", "second").state() instanceof ContainerStatus.Running);
    assertFalse(container("init", "app").state() instanceof ContainerStatus.Running);

    exit(container("init", "second").containerId(), 0);
    assertTrue(container("init", "app").state() instanceof ContainerStatus.Running);
    assertEquals(PodPhase.Running, pods.inspect("init").phase());
  }

  @Test
  void aFailedInitContainerFailsThePodUnderNeverAndIsRetriedOtherwise() {
    pods.run(pod("never", "Never", c("setup"), c("app")), false);
    exit(container("never", "setup").containerId(), 1);
    scheduler.advance(Duration.ofMinutes(10));
    assertEquals(PodPhase.Failed, pods.inspect("never").phase());
    assertEquals(0, runtime.tasks.keySet().stream().filter(id -> id.equals(container("never", "app").containerId())).count());

    pods.run(pod("retry", "OnFailure", c("setup"), c("app")), false);
    exit(container("retry", "setup").containerId(), 1);
    scheduler.advance(Duration.ZERO);
    assertEquals(1, container("retry", "setup").restartCount());
    exit(container("retry", "setup").containerId(), 0);
    assertTrue(container("retry", "app").state() instanceof ContainerStatus.Running);
  }

  @Test
  void aSidecarKeepsRunningIsRestartedEvenUnderNeverAndStopsAfterTheApp() {
    PodStatus status = pods.run(pod("side", "Never", sidecar("proxy"), c("app")), false).status();
    assertTrue(container("side", "proxy").state() instanceof ContainerStatus.Running);
    assertTrue(container("side", "app").state() instanceof ContainerStatus.Running, "a running sidecar lets the apps start");

    exit(container("side", "proxy").containerId(), 2);
    scheduler.advance(Duration.ZERO);
    assertEquals(1, container("side", "proxy").restartCount());

    String proxy = container("side", "proxy").containerId();
    String app = container("side", "app").containerId();
    pods.stop("side", Optional.empty());
    int appKill = runtime.calls.indexOf("kill " + app + " 15");
    int proxyKill = runtime.calls.indexOf("kill " + proxy + " 15");
    int pauseKill = runtime.calls.indexOf("kill " + status.sandbox().id() + " 15");
    assertTrue(appKill >= 0 && appKill < proxyKill && proxyKill < pauseKill, runtime.calls.toString());
  }

  @Test
  void anOomKillIsReportedAsOOMKilledWithExit137() {
    pods.run(pod("oom", "Never", "", c("hog")), false);
    String id = container("oom", "hog").containerId();
    pods.taskOomKilled(id);
    exit(id, 137);
    ContainerStatus.Terminated t = (ContainerStatus.Terminated) container("oom", "hog").state();
    assertEquals("OOMKilled", t.reason());
    assertEquals(137, t.exitCode());
    assertEquals(PodPhase.Failed, pods.inspect("oom").phase());
  }

  @Test
  void afterARestartSandboxdAdoptsRunningPodsAndCatchesUpOnExitsItMissed() {
    pods.run(pod("keep", "Always", "", c("app")), false);
    String before = container("keep", "app").containerId();
    runtime.exit(before, 1); // while sandboxd is down: no event

    PodManager restarted = newManager();
    restarted.recover();
    restarted.streamStarted();
    scheduler.advance(Duration.ZERO);

    ContainerStatus app = restarted.inspect("keep").container("app").orElseThrow();
    assertEquals(1, app.restartCount());
    assertTrue(app.state() instanceof ContainerStatus.Running);
  }

  @Test
  void probesStartWithEachRunAndResumeAfterARestartOfSandboxd() {
    List<String> started = new ArrayList<>();
    List<String> stopped = new ArrayList<>();
    ContainerProbes recording = new ContainerProbes() {
      @Override
      public void start(String podUid, String containerName, String containerId, int pausePid, dev.sandboxd.pod.Supervision s) {
        started.add(containerName + " " + containerId);
      }

      @Override
      public void stop(String containerId) {
        stopped.add(containerId);
      }

      @Override
      public void stopAll(String podUid) {
        stopped.add("all " + podUid);
      }

      @Override
      public boolean started(String containerId) {
        return true;
      }

      @Override
      public boolean ready(String containerId) {
        return false;
      }
    };
    pods.useProbes(recording);
    pods.run(pod("probed", "Always", "", c("app")), false);
    String first = container("probed", "app").containerId();
    assertEquals(List.of("app " + first), started);
    assertFalse(container("probed", "app").ready(), "readiness comes from the probes");

    PodManager restarted = newManager();
    restarted.useProbes(recording);
    restarted.recover();
    assertEquals(List.of("app " + first, "app " + first), started, "probes resume for the running container");

    restarted.containerUnhealthy(first, "Liveness probe failed: no");
    assertEquals(List.of(first), stopped);
  }

  @Test
  void recoveryRollsBackHalfMadePodsAndRemovesOrphans() {
    pods.run(pod("half", "Always", "", c("app")), false);
    store.save(store.get("uid-half").orElseThrow().withStage(PodRecord.Stage.Creating));
    runtime.createContainer(new dev.sandboxd.runtime.ContainerRuntime.ContainerCreate("orphan", BUSYBOX,
        Map.of(Labels.POD_UID, "uid-gone", Labels.ROLE, Labels.ROLE_APP), "{}".getBytes(), "orphan"), "chain", false);

    PodManager restarted = newManager();
    restarted.recover();

    assertEquals(Map.of(), runtime.leftovers());
    assertTrue(store.records.isEmpty());
    assertTrue(restarted.list().isEmpty());
    assertFalse(cgroupFs.exists("/test/poduid-half"), "the half-made pod's cgroup is removed");
  }

  @Test
  void aDeadSandboxIsRebuiltUnderAlwaysAndFailsThePodUnderNever() {
    PodStatus always = pods.run(pod("rebuild", "Always", "", c("app")), false).status();
    exit(always.sandbox().id(), 0);
    PodStatus rebuilt = pods.inspect("rebuild");
    assertFalse(rebuilt.sandbox().id().equals(always.sandbox().id()), "a new sandbox");
    assertEquals(SandboxStatus.State.Ready, rebuilt.sandbox().state());
    assertEquals(1, rebuilt.containers().get(0).restartCount());
    assertTrue(rebuilt.containers().get(0).state() instanceof ContainerStatus.Running);
    assertFalse(runtime.containers.containsKey(always.sandbox().id()));

    PodStatus never = pods.run(pod("lost", "Never", "", c("app")), false).status();
    exit(never.sandbox().id(), 0);
    assertEquals(PodPhase.Failed, pods.inspect("lost").phase());
    pods.remove("lost", false);
  }

  @Test
  void thePodCgroupIsMadeWithItsLimitsBeforeThePauseTaskAndShowsItsQosClass() {
    String yaml = manifest("web", "a").replace("volumeMounts: [{name: data, mountPath: /data}]",
        "resources: {limits: {cpu: 200m, memory: 64Mi}}");
    PodStatus status = pods.run(yaml, false).status();

    assertEquals(QosClass.Guaranteed, status.qosClass());
    assertEquals("20000 100000", cgroupFs.get("/test/poduid-web", "cpu.max"));
    assertEquals(Long.toString(64L << 20), cgroupFs.get("/test/poduid-web", "memory.max"));
    String spec = new String(runtime.containers.get(status.containers().get(0).containerId()).specJson());
    assertTrue(spec.contains("\"memory\":{\"limit\":67108864,\"swap\":67108864}"), spec);
    assertTrue(spec.contains("\"cpu\":{\"shares\":204,\"quota\":20000,\"period\":100000}"), spec);
    assertTrue(spec.contains("\"oomScoreAdj\":0"), "-997 is bounded by sandboxd's own score: " + spec);
  }

  @Test
  void aPodAskingForAMissingControllerIsRefusedBeforeAnythingExists() {
    cgroupFs = new FakeCgroupFs(root.resolve("cgroup-hugetlb-only"), "hugetlb");
    pods = newManager();
    String yaml = manifest("web", "a").replace("volumeMounts: [{name: data, mountPath: /data}]", "resources: {limits: {memory: 32Mi}}");

    SandboxdException e = assertThrows(SandboxdException.FailedPrecondition.class, () -> pods.run(yaml, false));

    assertTrue(e.getMessage().contains("\"memory\""), e.getMessage());
    assertTrue(runtime.calls.isEmpty(), runtime.calls.toString());
    assertTrue(pods.list().isEmpty());
  }

  @Test
  void pauseFreezesThePodCgroupAndStopThawsIt() {
    pods.run(manifest("web", "a"), false);
    assertTrue(pods.pause("web").frozen());
    assertEquals("1", cgroupFs.get("/test/poduid-web", "cgroup.freeze"));
    assertFalse(pods.unpause("web").frozen());
    pods.pause("web");

    pods.stop("web", Optional.of(Duration.ZERO));

    assertEquals("0", cgroupFs.get("/test/poduid-web", "cgroup.freeze"), "stopping thaws first");
    assertThrows(SandboxdException.FailedPrecondition.class, () -> pods.pause("web"));
  }

  @Test
  void forcedRemovalKillsThePodCgroupFirst() {
    pods.run(manifest("web", "a"), false);
    pods.remove("web", true);
    assertEquals("/test/poduid-web cgroup.kill=1", cgroupFs.writes.stream().filter(w -> w.contains("cgroup.kill")).findFirst().orElseThrow());
    assertFalse(cgroupFs.exists("/test/poduid-web"));
  }

  @Test
  void aContainerTheOomKillerEndedIsOomKilled() {
    PodStatus status = pods.run(manifest("web", "a", "b"), false).status();
    String a = status.containers().get(0).containerId();
    String b = status.containers().get(1).containerId();
    cgroupFs.create("/test/poduid-web/" + a);
    cgroupFs.set("/test/poduid-web/" + a, "memory.events", "oom 1\noom_kill 1\n");
    runtime.exit(a, 137);
    runtime.exit(b, 137);
    pods.taskExited(a, 137, scheduler.now());
    pods.taskExited(b, 137, scheduler.now());
    scheduler.advance(Duration.ZERO); // restarted at once (Always): the ended runs are the last states

    PodStatus after = pods.inspect("web");

    assertEquals("OOMKilled", after.containers().get(0).lastState().orElseThrow().reason());
    assertEquals("Error", after.containers().get(1).lastState().orElseThrow().reason(), "killed, but not by the OOM killer");
  }

  @Test
  void statsReadEachContainersCgroup() {
    PodStatus status = pods.run(manifest("web", "a"), false).status();
    String leaf = "/test/poduid-web/" + status.containers().get(0).containerId();
    cgroupFs.create(leaf);
    cgroupFs.set(leaf, "memory.current", "4096\n");

    List<PodStats> stats = pods.stats(Optional.of("web"));

    assertEquals(1, stats.size());
    assertEquals("/test/poduid-web", stats.get(0).cgroupPath());
    assertEquals(leaf, stats.get(0).containers().get(0).cgroupPath());
    assertEquals(4096, stats.get(0).containers().get(0).usage().memoryCurrentBytes().getAsLong());
    assertEquals(0, stats.get(0).usage().memoryCurrentBytes().getAsLong());
    assertEquals(1, pods.stats(Optional.empty()).size());
  }


  static final class MemoryStore implements PodStore {
    final Map<String, PodRecord> records = new ConcurrentHashMap<>();

    @Override
    public void save(PodRecord record) {
      records.put(record.uid(), record);
    }

    @Override
    public Optional<PodRecord> get(String uid) {
      return Optional.ofNullable(records.get(uid));
    }

    @Override
    public List<PodRecord> list() {
      return new ArrayList<>(records.values());
    }

    @Override
    public void delete(String uid) {
      records.remove(uid);
    }
  }


}
