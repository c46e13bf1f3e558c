package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.containerd.UnixSocketChannels;
import dev.sandboxd.cri.CriPods;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * sandboxctl cri runs the seed's counter pod through containerd's CRI as kubelet would (done-when
 * 5 of the CRI issue), on containerd's default runtime handler (CRI's own pause) and on handler
 * sandboxd (sandboxd's pause, through its sandbox controller).
 */
class CriClientE2E {
  private static Node node;
  private static ManagedChannel channel;
  private static CriPods cri;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.startCri("cri-client");
    channel = UnixSocketChannels.open(Path.of(node.env.get("CRI_ENDPOINT")), "e2e-cri", 16 << 20);
    cri = new CriPods(channel, Duration.ofSeconds(60), Path.of(node.env.get("CRI_POD_ROOT")));
    cri.awaitReady(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (node != null) {
      node.close();
    }
  }

  @ParameterizedTest(name = "handler {0}")
  @ValueSource(strings = {"default", "sandboxd"})
  void theCounterPodRunsThroughCriItsLogGrowsAndRmLeavesNothing(String handler) throws Exception {
    Node.Cli run = node.sandboxctlCri("run", "-f", Node.REPO.resolve("e2e/examples/counter.yaml").toString(),
        "--handler", handler.equals("default") ? "" : handler);
    assertEquals(0, run.code(), run::err);
    assertTrue(run.out().contains("pod default/counter running through CRI (handler " + handler), run.out());
    assertTrue(run.err().contains("restarts (restartPolicy Always) are kubelet's"), run.err());

    Node.Cli ps = node.sandboxctlCri("ps");
    assertEquals(0, ps.code(), ps::err);
    String line = ps.out().lines().filter(l -> l.contains(" counter ")).findFirst().orElseThrow(() -> new AssertionError(ps.out()));
    assertTrue(line.contains("SANDBOX_READY") && line.contains("2/2") && line.contains(" " + handler + " "), line);

    // count-log tails what count appends once a second: its CRI log file grows
    int before = logLines("counter", "count-log");
    Instant deadline = Instant.now().plusSeconds(30);
    int after = before;
    while (after <= before + 1 && Instant.now().isBefore(deadline)) {
      Thread.sleep(500);
      after = logLines("counter", "count-log");
    }
    assertTrue(after > before + 1, "count-log's log did not grow: " + before + " lines, then " + after);

    // the containers are in the pod: the pod's hostname, and CRI's own network (not the node's)
    var pod = cri.find("counter");
    // on handler sandboxd the sandbox is sandboxd's (its record), else CRI's own
    Path record = node.dir.resolve("sandboxd/state/cri-sandboxes/" + pod.getId() + ".json");
    assertEquals(handler.equals("sandboxd"), Files.exists(record), record::toString);
    var hostname = cri.exec(cri.container(pod, "count").getId(), List.of("hostname"), 10);
    assertEquals("counter", hostname.getStdout().toStringUtf8().trim(), hostname.getStderr().toStringUtf8());
    var addr = cri.exec(cri.container(pod, "count-log").getId(), List.of("ip", "-4", "addr", "show", "eth0"), 10);
    assertTrue(addr.getStdout().toStringUtf8().contains("inet 10.89."), addr.getStdout().toStringUtf8());

    Path podDir = Path.of(node.env.get("CRI_POD_ROOT")).resolve("default_counter_" + pod.getMetadata().getUid());
    assertTrue(Files.isDirectory(podDir.resolve("logs/count-log")), podDir::toString);
    Node.Cli rm = node.sandboxctlCri("rm", "counter");
    assertEquals(0, rm.code(), rm::err);
    assertTrue(cri.list().stream().noneMatch(p -> p.getMetadata().getName().equals("counter")), () -> cri.list().toString());
    assertFalse(Files.exists(podDir), podDir::toString);
    assertFalse(Files.exists(record), record::toString);
    Node.Cli again = node.sandboxctlCri("rm", "counter");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("pod counter: no such CRI pod"), again.err());
  }

  @Test
  void aPodWhoseContainerCannotBeCreatedLeavesNothingBehind(@TempDir Path tmp) throws Exception {
    Path manifest = tmp.resolve("broken.yaml");
    Files.writeString(manifest, """
        apiVersion: v1
        kind: Pod
        metadata: {name: broken, uid: broken-uid}
        spec:
          volumes: [{name: scratch, emptyDir: {}}]
          containers:
          - {name: first, image: localhost/sandboxd/busybox:1.35, command: [sleep, "3600"], volumeMounts: [{name: scratch, mountPath: /s}]}
          - {name: second, image: localhost/sandboxd/no-such-image:1}
        """, StandardCharsets.UTF_8);
    Node.Cli run = node.sandboxctlCri("run", "-f", manifest.toString());
    assertEquals(1, run.code(), run::out);
    assertTrue(run.err().contains("no-such-image"), run.err());
    // the sandbox, the first container with it, and the pod's directory are gone
    assertTrue(cri.list().stream().noneMatch(p -> p.getMetadata().getName().equals("broken")), () -> cri.list().toString());
    assertFalse(Files.exists(Path.of(node.env.get("CRI_POD_ROOT")).resolve("default_broken_broken-uid")));
  }

  private static int logLines(String pod, String container) {
    Node.Cli logs = node.sandboxctlCri("logs", pod, container);
    assertEquals(0, logs.code(), logs::err);
    return (int) logs.out().lines().filter(l -> !l.isBlank()).count();
  }
}
