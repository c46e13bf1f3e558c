package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.StopPodRequest;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pod workers against a real containerd: one pod's slow stop holds up no other pod; a failed run leaves nothing. */
class PodWorkersE2E {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("workers", "--restart-backoff", "1s", "--restart-backoff-max", "2s", "--metrics-address", "127.0.0.1:0");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aPodInItsGracePeriodHoldsUpNoOtherPod() throws Exception {
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: slow}
        spec:
          terminationGracePeriodSeconds: 12
          containers:
          - {name: quits, image: %1$s, command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 0.1; done']}
          - {name: stays, image: %1$s, command: [sh, -c, 'trap "" TERM; while true; do sleep 0.1; done']}
        """.formatted(Node.BUSYBOX));
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: crash}
        spec:
          containers:
          - {name: app, image: %s, command: [sh, -c, 'sleep 1; exit 1']}
        """.formatted(Node.BUSYBOX));
    node.waitFor("slow", p -> p.getStatus().getContainerStatuses(1).getState().hasRunning());
    try {
      CompletableFuture<Pod> stopping = CompletableFuture.supplyAsync(
          () -> node.pods().stopPod(StopPodRequest.newBuilder().setPod(Node.ref("slow")).build()).getPod());
      Instant stopAsked = Instant.now();
      // The first container's exit is an event of the stopping pod: it must not hold up the others'.
      node.waitFor("slow", Duration.ofSeconds(5), p -> p.getStatus().getContainerStatuses(0).getState().hasTerminated());
      int crashRestarts = node.inspect("crash").getStatus().getContainerStatuses(0).getRestartCount();

      node.run("""
          apiVersion: v1
          kind: Pod
          metadata: {name: fresh}
          spec:
            containers:
            - {name: app, image: %s, command: [sh, -c, 'exit 3']}
          """.formatted(Node.BUSYBOX));
      node.waitFor("fresh", Duration.ofSeconds(4), p -> p.getStatus().getContainerStatuses(0).getRestartCount() >= 1);
      // crash exits every ~1 s and waits at most 2 s: two more restarts within 8 s.
      node.waitFor("crash", Duration.ofSeconds(8),
          p -> p.getStatus().getContainerStatuses(0).getRestartCount() >= crashRestarts + 2);
      for (int i = 0; i < 5; i++) {
        Instant asked = Instant.now();
        assertEquals(3, node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsCount());
        node.inspect("slow");
        assertTrue(Duration.between(asked, Instant.now()).toMillis() < 1000, "ps and inspect answer at once");
      }
      assertFalse(stopping.isDone(), "all of the above happened within slow's grace period");
      Pod stopped = stopping.get();
      long took = Duration.between(stopAsked, Instant.now()).toMillis();
      assertTrue(took >= 11_000, "the container that ignores SIGTERM was killed when the 12 s were up, not before: " + took);
      assertEquals(137, stopped.getStatus().getContainerStatuses(1).getState().getTerminated().getExitCode());
    } finally {
      node.removeForce("slow");
      node.removeForce("crash");
      node.removeForce("fresh");
    }
  }

  @Test
  void aOneContainerRunMakesAtMostSevenContainerdCallsAndReadsMakeNone() throws Exception {
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers:
          - {name: app, image: %s, command: [sleep, '600']}
        """;
    node.run(pod.formatted("warm", Node.BUSYBOX)); // the image is resolved once, then trusted until containerd says otherwise
    try {
      long before = containerdCalls();
      node.run(pod.formatted("counted", Node.BUSYBOX));
      long run = containerdCalls() - before;

      before = containerdCalls();
      node.pods().listPods(ListPodsRequest.getDefaultInstance());
      node.inspect("counted");
      long reads = containerdCalls() - before;

      // pause: container, task, start (its rootfs is the view all pauses share); app: the same and its snapshot
      assertTrue(run <= 7, "containerd calls of one run: " + run);
      assertEquals(0, reads, "ps and inspect answer from memory");
    } finally {
      node.removeForce("warm");
      node.removeForce("counted");
    }
  }

  @Test
  void aRunThatFailsLeavesNothingAlsoAfterARestartOfSandboxd() throws Exception {
    String manifest = """
        apiVersion: v1
        kind: Pod
        metadata: {name: broken}
        spec:
          containers:
          - {name: app, image: %s, command: [/no/such/program]}
        """.formatted(Node.BUSYBOX);
    String containersBefore = node.ctr("containers", "list", "-q").stdout();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> node.run(manifest));
    assertTrue(e.getStatus().getDescription().contains("no/such/program"), e.getStatus().toString());
    Thread.sleep(3000); // the exits of what the rollback killed arrive meanwhile: they must rebuild nothing
    node.killSandboxd();
    node.startSandboxd();

    assertEquals(0, node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList().stream()
        .filter(p -> p.getMetadata().getName().equals("broken")).count(), "no pod, hidden or not");
    assertEquals(containersBefore, node.ctr("containers", "list", "-q").stdout(), "no container left");
    try (var records = Files.list(node.dir.resolve("sandboxd/state/pods"))) {
      assertEquals(0, records.filter(r -> {
        try {
          return Files.readString(r).contains("broken");
        } catch (java.io.IOException io) {
          return false;
        }
      }).count(), "no record left");
    }
    Path parent = node.cgroupRoot().resolve(node.cgroupParent().substring(1));
    try (var cgroups = Files.list(parent)) {
      assertEquals(0, cgroups.filter(Files::isDirectory).filter(d -> d.getFileName().toString().startsWith("pod")).count(),
          "no pod cgroup left");
    }
    assertEquals("0", node.inNode("sh", "-c", "grep -c io.containerd.runtime.v2.task/ /proc/self/mountinfo || true")
        .stdout().trim(), "no task rootfs left mounted");
    assertEquals(0, shimsOfThisNode(), "no shim left");
    // And the name is free.
    node.run(manifest.replace("/no/such/program", "sleep").replace("command: [sleep]", "command: [sleep, '60']"));
    node.removeForce("broken");
  }

  /** Shim processes serving this node's containerd (no other test of this class leaves a pod running). */
  private static long shimsOfThisNode() throws java.io.IOException {
    try (var procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().matches("[0-9]+"))
          .map(p -> {
            try {
              return new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
            } catch (java.io.IOException e) {
              return "";
            }
          })
          .filter(cmd -> cmd.contains("containerd-shim-runc-v2") && cmd.contains(node.dir.toString()))
          .count();
    }
  }

  /** Unary calls sandboxd made to containerd so far, from its own call meter. */
  private static long containerdCalls() throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node.metricsAddress() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^sandboxd_containerd_call_duration_seconds_count\\{[^}]*} ([0-9.eE+]+)$").matcher(body);
    long total = 0;
    while (m.find()) {
      total += (long) Double.parseDouble(m.group(1));
    }
    return total;
  }
}
