package dev.sandboxd.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.cgroup.PodCgroups;
import dev.sandboxd.container.ContainerManager;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.ImageService;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.image.StaticImages;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.sandbox.PauseSandboxController;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodStore;
import dev.sandboxd.system.Mounts;
import dev.sandboxd.system.ProcessPrivileges;
import dev.sandboxd.volume.VolumeManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
  final Set<String> cgroupsRemoved = new HashSet<>();
  final ExecutorService workers = Executors.newCachedThreadPool();
  PodManager pods;

  @BeforeEach
  void setUp() {
    pods = newManager();
  }

  private final AtomicInteger ids = new AtomicInteger();

  PodManager newManager() {
    ImageService images = new StaticImages();
    ProcessPrivileges privileges = new ProcessPrivileges(List.of("CAP_CHOWN", "CAP_KILL"), 0);
    return new PodManager(
        new PodManifests(() -> "generated-" + ids.incrementAndGet()),
        new PauseSandboxController(runtime, new PauseImage(images, PAUSE), privileges, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)),
        new ContainerManager(runtime, images, path -> {}, privileges, workers),
        runtime,
        new VolumeManager(root.resolve("pods"), new NoMounts()),
        new PodCgroups() {
          @Override
          public String podPath(String podUid) {
            return "/test/pod" + podUid;
          }

          @Override
          public void remove(String podUid) {
            cgroupsRemoved.add(podUid);
          }
        },
        store,
        new PodPaths(root),
        Clock.systemUTC(),
        () -> String.format("id%04d", ids.incrementAndGet()),
        workers);
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
    runtime.failCreateTaskWhen(id -> id.equals("id0003")); // the second app container
    SandboxdException e = assertThrows(SandboxdException.class, () -> pods.run(manifest("web", "a", "b"), false));

    assertTrue(e.getMessage().contains("injected"), e.getMessage());
    assertEquals(Map.of(), runtime.leftovers(), "nothing left in containerd");
    assertTrue(store.records.isEmpty(), "no record left");
    assertTrue(cgroupsRemoved.contains("uid-web"), "pod cgroup removed");
    assertFalse(Files.exists(root.resolve("pods/uid-web")), "pod directory removed");
    assertTrue(pods.list().isEmpty());
    // The name is free again.
    runtime.failCreateTaskWhen(id -> false);
    assertEquals(PodPhase.Running, pods.run(manifest("web", "a", "b"), false).status().phase());
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
  void phaseFollowsTheContainersWhenTheyExit() {
    PodStatus status = pods.run(manifest("job", "a", "b"), false).status();
    runtime.exit(status.containers().get(0).containerId(), 0);
    assertEquals(PodPhase.Running, pods.inspect("job").phase());
    runtime.exit(status.containers().get(1).containerId(), 0);
    assertEquals(PodPhase.Succeeded, pods.inspect("job").phase());
    runtime.exit(status.containers().get(1).containerId(), 2);
    assertEquals(PodPhase.Failed, pods.inspect("job").phase());
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

  static final class NoMounts implements Mounts {
    @Override
    public void mountTmpfs(Path target, Optional<Long> sizeBytes) {
      throw new UnsupportedOperationException("no memory volumes in these tests");
    }

    @Override
    public void unmountIfMounted(Path target) {}

    @Override
    public boolean isMountPoint(Path path) {
      return false;
    }
  }
}
