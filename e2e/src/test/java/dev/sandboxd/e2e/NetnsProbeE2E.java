package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.pod.Probe;
import dev.sandboxd.pod.Supervision;
import dev.sandboxd.probe.ContainerProbeRunner;
import dev.sandboxd.probe.LinuxNetworkNamespaces;
import dev.sandboxd.probe.NetnsExecutor;
import dev.sandboxd.probe.PodNetworkProber;
import dev.sandboxd.probe.ProbeListener;
import dev.sandboxd.probe.ProbeManager;
import dev.sandboxd.probe.ProbeResult;
import dev.sandboxd.probe.ProbeTarget;
import dev.sandboxd.supervisor.ExecutorScheduler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network probes' namespace switch against a real network namespace, without containerd:
 * an HTTP server runs on 127.0.0.1 inside `unshare --net`, where the host cannot reach it, and
 * the probes reach it through setns(2) on their own threads.
 */
class NetnsProbeE2E {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  @TempDir
  Path www;
  private Process server;
  private int port;
  private final PodNetworkProber inNamespace = new PodNetworkProber(new NetnsExecutor(new LinuxNetworkNamespaces()));
  private final PodNetworkProber onHost = new PodNetworkProber(new NetnsExecutor(pid -> {}));

  @BeforeEach
  void startServerInItsOwnNetworkNamespace() throws Exception {
    Files.writeString(www.resolve("healthz"), "ok\n");
    port = freeHostPort();
    // unshare execs the shell, which execs httpd: the process we hold is the one inside the namespace.
    server = new ProcessBuilder("unshare", "--net", "sh", "-c",
        "ip link set lo up && exec " + Node.REPO.resolve(".cache/root/bin/busybox")
            + " httpd -f -p 127.0.0.1:" + port + " -h " + www)
        .redirectErrorStream(true).redirectOutput(www.resolve("server.log").toFile()).start();
    awaitTrue(() -> inNamespace.tcpSocket(server.pid(), port, TIMEOUT).succeeded(), "httpd listening in its namespace");
  }

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.destroy();
      server.waitFor();
    }
  }

  @Test
  void probesReachAListenerThatOnlyExistsInsideTheNamespace() {
    long pid = server.pid();
    assertEquals(ProbeResult.success(), inNamespace.tcpSocket(pid, port, TIMEOUT));
    assertEquals(ProbeResult.success(), inNamespace.httpGet(pid, get("/healthz"), TIMEOUT));
    assertEquals(ProbeResult.failure("HTTP probe failed with statuscode: 404"), inNamespace.httpGet(pid, get("/missing"), TIMEOUT));
    // The host's loopback has no such listener, and the calling thread never left the host's namespace.
    assertFalse(onHost.tcpSocket(pid, port, TIMEOUT).succeeded());
    assertFalse(onHost.httpGet(pid, get("/healthz"), TIMEOUT).succeeded());
  }

  @Test
  void aReadinessProbeFollowsTheServerThroughTheManager() throws Exception {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    ExecutorService runs = Executors.newCachedThreadPool();
    try {
      ProbeManager manager = new ProbeManager(new ExecutorScheduler(timer, Clock.systemUTC()), runs,
          new ContainerProbeRunner((id, command, timeout) -> {
            throw new AssertionError("no exec probes here");
          }, inNamespace), new IgnoringListener());
      Probe readiness = new Probe(get("/healthz"), 0, 1, 1, 1, 1);
      manager.start(new ProbeTarget("pod", "web", "web-1", server.pid(),
          new Supervision(Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.of(readiness))));
      awaitTrue(() -> manager.ready("web-1"), "ready once /healthz answers 200");
      Files.delete(www.resolve("healthz"));
      awaitTrue(() -> !manager.ready("web-1"), "not ready once /healthz answers 404");
      manager.stopAll("pod");
    } finally {
      timer.shutdownNow();
      runs.shutdownNow();
    }
  }

  private Probe.HttpGet get(String path) {
    return new Probe.HttpGet("HTTP", port, path, Map.of());
  }

  private static int freeHostPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(10);
    while (!condition.getAsBoolean()) {
      assertTrue(Instant.now().isBefore(deadline), "within 10 s: " + what);
      Thread.sleep(100);
    }
  }

  /** The manager's state is read with ready(); its calls are not what this test is about. */
  private static final class IgnoringListener implements ProbeListener {
    @Override
    public void livenessFailed(String containerId, String message) {}

    @Override
    public void startupFailed(String containerId, String message) {}

    @Override
    public void readinessChanged(String containerId, boolean ready) {}

    @Override
    public void probeFailed(String containerId, String probeType, String message) {}
  }
}
