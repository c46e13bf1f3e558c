package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.Event;
import dev.sandboxd.api.v1.EventsRequest;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.StopPodRequest;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pod supervision against a real containerd: restart policies, back-off, init containers, sidecars, stop, recovery. */
class SupervisionE2E {
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    // A short back-off so crash loops show in seconds: 1 s doubling to 4 s.
    node = Node.start("supervise", "--restart-backoff", "1s", "--restart-backoff-max", "4s");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** The seed's rows for one container: exit 0 and exit 1 under each policy. */
  static Stream<Arguments> seedRows() {
    return Stream.of(
        Arguments.of("Always", 0, "Running", true),
        Arguments.of("Always", 1, "Running", true),
        Arguments.of("OnFailure", 0, "Succeeded", false),
        Arguments.of("OnFailure", 1, "Running", true),
        Arguments.of("Never", 0, "Succeeded", false),
        Arguments.of("Never", 1, "Failed", false));
  }

  @ParameterizedTest(name = "{0}, exit {1} -> {2}")
  @MethodSource("seedRows")
  void restartPoliciesGiveTheSeedsPhases(String policy, int exitCode, String phase, boolean restarts) throws Exception {
    String name = ("policy-" + policy + "-" + exitCode).toLowerCase();
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          restartPolicy: %s
          containers:
          - {name: app, image: %s, command: [sh, -c, 'sleep 1; exit %d']}
        """.formatted(name, policy, Node.BUSYBOX, exitCode));
    try {
      Pod pod = node.waitFor(name, p -> {
        ContainerStatus c = p.getStatus().getContainerStatuses(0);
        return restarts ? c.getRestartCount() >= 1 : c.getState().hasTerminated();
      });
      assertEquals(phase, pod.getStatus().getPhase());
      ContainerStatus app = pod.getStatus().getContainerStatuses(0);
      ContainerStateView ended = new ContainerStateView(restarts ? app.getLastState() : app.getState());
      assertEquals(exitCode, ended.exitCode());
      assertEquals(exitCode == 0 ? "Completed" : "Error", ended.reason());
      if (!restarts) {
        Thread.sleep(1500);
        assertEquals(0, node.inspect(name).getStatus().getContainerStatuses(0).getRestartCount(), "no restart under " + policy);
      }
    } finally {
      node.removeForce(name);
    }
  }

  @Test
  void aCrashingContainerShowsCrashLoopBackOffWithGrowingDelays() throws Exception {
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: crashloop}
        spec:
          containers:
          - {name: app, image: %s, command: [sh, -c, 'exit 2']}
        """.formatted(Node.BUSYBOX));
    try {
      boolean sawBackOff = false;
      Instant deadline = Instant.now().plusSeconds(20);
      List<Instant> restarts = restartTimes("default/crashloop");
      while (Instant.now().isBefore(deadline) && restarts.size() < 4) {
        ContainerStatus c = node.inspect("crashloop").getStatus().getContainerStatuses(0);
        sawBackOff |= c.getState().hasWaiting() && c.getState().getWaiting().getReason().equals("CrashLoopBackOff");
        Thread.sleep(50);
        restarts = restartTimes("default/crashloop");
      }
      assertTrue(sawBackOff, "the container showed CrashLoopBackOff while waiting");
      assertTrue(restarts.size() >= 4, "restarts: " + restarts + "\n" + events().stream()
          .filter(e -> e.getPod().equals("default/crashloop")).map(e -> e.getType() + " " + e.getReason() + " " + e.getMessage()).toList()
          + "\n" + node.sandboxdLog());
      // Waits of ~0, 1, 2, 4 s: each gap at least the back-off step before it.
      long gap1 = Duration.between(restarts.get(0), restarts.get(1)).toMillis();
      long gap2 = Duration.between(restarts.get(1), restarts.get(2)).toMillis();
      long gap3 = Duration.between(restarts.get(2), restarts.get(3)).toMillis();
      assertTrue(gap1 >= 900 && gap2 >= 1900 && gap3 >= 3900 && gap3 > gap2 && gap2 > gap1,
          "gaps " + gap1 + ", " + gap2 + ", " + gap3 + " ms");
      assertEquals("Running", node.inspect("crashloop").getStatus().getPhase());
    } finally {
      node.removeForce("crashloop");
    }
  }

  @Test
  void initContainersRunInOrderBeforeTheAppAndASidecarOutlivesIt() throws Exception {
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: ordered}
        spec:
          terminationGracePeriodSeconds: 5
          initContainers:
          - {name: first, image: %1$s, command: [sh, -c, 'echo first >> /work/order; sleep 1'], volumeMounts: [{name: work, mountPath: /work}]}
          - {name: second, image: %1$s, command: [sh, -c, 'echo second >> /work/order'], volumeMounts: [{name: work, mountPath: /work}]}
          - name: proxy
            image: %1$s
            restartPolicy: Always
            command: [sh, -c, 'echo proxy >> /work/order; trap "sleep 1; exit 0" TERM; while true; do sleep 0.1; done']
            volumeMounts: [{name: work, mountPath: /work}]
          containers:
          - {name: app, image: %1$s, command: [sh, -c, 'echo app >> /work/order; trap "exit 0" TERM; while true; do sleep 0.1; done'], volumeMounts: [{name: work, mountPath: /work}]}
          volumes: [{name: work, emptyDir: {}}]
        """.formatted(Node.BUSYBOX));
    try {
      Pod pod = node.waitFor("ordered", p -> p.getStatus().getContainerStatuses(0).getState().hasRunning());
      assertEquals("first\nsecond\nproxy\napp\n", node.exec("ordered", "app", "cat", "/work/order").getStdout().toStringUtf8());
      List<ContainerStatus> init = pod.getStatus().getInitContainerStatusesList();
      Instant firstDone = instant(init.get(0).getState().getTerminated().getFinishedAt());
      Instant secondStarted = instant(init.get(1).getState().getTerminated().getStartedAt());
      Instant appStarted = instant(pod.getStatus().getContainerStatuses(0).getState().getRunning().getStartedAt());
      assertTrue(!secondStarted.isBefore(firstDone), "second started after first finished");
      assertTrue(!appStarted.isBefore(instant(init.get(1).getState().getTerminated().getFinishedAt())), "app after init");
      assertTrue(init.get(2).getState().hasRunning(), "the sidecar keeps running");
      assertTrue(pod.getStatus().getConditionsList().stream().anyMatch(c -> c.getType().equals("Initialized") && c.getStatus().equals("True")));

      Pod stopped = node.pods().stopPod(StopPodRequest.newBuilder().setPod(Node.ref("ordered")).build()).getPod();
      Instant appEnded = instant(stopped.getStatus().getContainerStatuses(0).getState().getTerminated().getFinishedAt());
      Instant proxyEnded = instant(stopped.getStatus().getInitContainerStatuses(2).getState().getTerminated().getFinishedAt());
      assertTrue(proxyEnded.isAfter(appEnded), "the sidecar stops after the app: app " + appEnded + ", proxy " + proxyEnded);
    } finally {
      node.removeForce("ordered");
    }
  }

  @Test
  void aContainerIgnoringSigtermIsKilledAfterItsGracePeriodAndPreStopRuns() throws Exception {
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: stubborn}
        spec:
          terminationGracePeriodSeconds: 3
          containers:
          - name: app
            image: %s
            command: [sh, -c, 'trap "" TERM; echo started; while true; do sleep 0.1; done']
            lifecycle: {preStop: {exec: {command: [sh, -c, 'echo prestop-hook-ran > /proc/1/fd/1']}}}
        """.formatted(Node.BUSYBOX));
    try {
      node.waitFor("stubborn", p -> node.logs("stubborn", "app").contains("started"));
      Instant before = Instant.now();
      Pod stopped = node.pods().stopPod(StopPodRequest.newBuilder().setPod(Node.ref("stubborn")).build()).getPod();
      long tookMillis = Duration.between(before, Instant.now()).toMillis();
      assertTrue(tookMillis >= 2500 && tookMillis <= 4500, "stop took " + tookMillis + " ms for a 3 s grace period");
      assertEquals(137, stopped.getStatus().getContainerStatuses(0).getState().getTerminated().getExitCode(), "SIGKILL");
      assertTrue(node.logs("stubborn", "app").contains("prestop-hook-ran"), node.logs("stubborn", "app"));
    } finally {
      node.removeForce("stubborn");
    }
  }

  @Test
  void killingSandboxdWhileCreatingTenPodsLeavesEachRunningOrGone() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(10);
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String manifest = """
          apiVersion: v1
          kind: Pod
          metadata: {name: crash-%d}
          spec:
            containers:
            - {name: a, image: %s, command: [sleep, "3600"]}
            - {name: b, image: %s, command: [sleep, "3600"]}
          """.formatted(i, Node.BUSYBOX, Node.BUSYBOX);
      runs.add(CompletableFuture.runAsync(() -> {
        try {
          node.run(manifest);
        } catch (StatusRuntimeException expected) {
          // sandboxd died under it
        }
      }, clients));
    }
    Thread.sleep(700);
    node.killSandboxd();
    CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
    clients.shutdown();
    node.startSandboxd();

    List<Pod> pods = node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList();
    Set<String> liveIds = new HashSet<>();
    for (Pod pod : pods) {
      Pod settled = node.waitFor(pod.getMetadata().getName(), p -> p.getStatus().getContainerStatusesList().stream()
          .allMatch(c -> c.getState().hasRunning()));
      assertEquals("Running", settled.getStatus().getPhase(), settled.toString());
      liveIds.add(settled.getStatus().getSandbox().getId());
      settled.getStatus().getContainerStatusesList().forEach(c -> liveIds.add(c.getContainerId()));
    }
    // containerd holds exactly the objects of the pods that survived: no orphans.
    Set<String> containers = new HashSet<>(List.of(node.ctr("containers", "list", "-q").stdout().trim().split("\\s+")));
    containers.remove("");
    assertEquals(liveIds, containers, "containers in containerd vs pods recorded (" + pods.size() + " survived)");
    Set<String> tasks = new HashSet<>();
    for (String line : node.ctr("tasks", "list").stdout().split("\n")) {
      if (!line.startsWith("TASK") && !line.isBlank()) {
        tasks.add(line.split("\\s+")[0]);
      }
    }
    assertEquals(liveIds, tasks, "tasks");
    try (Stream<Path> cgroups = Files.list(node.cgroupRoot().resolve(node.cgroupParent().substring(1)))) {
      assertEquals(pods.size(), cgroups.filter(Files::isDirectory).count(), "one cgroup per surviving pod");
    }
    for (Pod pod : pods) {
      node.removeForce(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName());
    }
    assertEquals("", node.ctr("containers", "list", "-q").stdout().trim());
    assertEquals("0", node.inNode("sh", "-c", "grep -c io.containerd.runtime.v2.task/sandboxd/ /proc/self/mountinfo || true")
        .stdout().trim(), "no rootfs mount is left");
  }

  @Test
  void restartingContainerdLosesNoPodAndSupervisionGoesOn() throws Exception {
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: survivor}
        spec:
          containers:
          - {name: app, image: %s, command: [sleep, "3600"]}
        """.formatted(Node.BUSYBOX));
    try {
      Pod before = node.waitFor("survivor", p -> p.getStatus().getContainerStatuses(0).getState().hasRunning());
      long pid = before.getStatus().getContainerStatuses(0).getPid();
      node.restartContainerd();
      Pod after = node.waitFor("survivor", p -> p.getStatus().getContainerStatuses(0).getState().hasRunning());
      assertEquals(pid, after.getStatus().getContainerStatuses(0).getPid(), "the same process kept running");
      assertEquals(before.getStatus().getSandbox().getPid(), after.getStatus().getSandbox().getPid());
      // The event stream came back: a crash now is still seen and restarted.
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      Pod restarted = node.waitFor("survivor", p -> p.getStatus().getContainerStatuses(0).getRestartCount() == 1
          && p.getStatus().getContainerStatuses(0).getState().hasRunning());
      assertFalse(restarted.getStatus().getContainerStatuses(0).getPid() == pid);
    } finally {
      node.removeForce("survivor");
    }
  }

  // --- helpers ---

  record ContainerStateView(int exitCode, String reason) {
    ContainerStateView(dev.sandboxd.api.v1.ContainerState s) {
      this(s.getTerminated().getExitCode(), s.getTerminated().getReason());
    }
  }

  static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  static List<Instant> restartTimes(String pod) {
    List<Instant> restarts = new ArrayList<>();
    for (Event e : events()) {
      if (e.getPod().equals(pod) && e.getType().equals("ContainerRestarted")) {
        restarts.add(Instant.ofEpochSecond(e.getTime().getSeconds(), e.getTime().getNanos()));
      }
    }
    return restarts;
  }

  static List<Event> events() {
    List<Event> out = new ArrayList<>();
    node.pods().events(EventsRequest.getDefaultInstance()).forEachRemaining(out::add);
    return out;
  }
}
