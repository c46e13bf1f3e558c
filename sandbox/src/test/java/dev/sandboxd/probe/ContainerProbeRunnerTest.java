package dev.sandboxd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.container.ExecResult;
import dev.sandboxd.pod.Probe;
import dev.sandboxd.pod.Supervision;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exec probes through the injected command; network probes reach the pod's namespace by its pause pid. */
class ContainerProbeRunnerTest {
  private static final ProbeTarget TARGET = new ProbeTarget("pod-1", "app", "ctr-1", 4242, Supervision.NONE);
  private static final Probe.Exec CAT = new Probe.Exec(List.of("cat", "/tmp/healthy"));

  private final List<Long> namespacesEntered = new ArrayList<>();
  private final PodNetworkProber network = new PodNetworkProber(new NetnsExecutor(pid -> {
    synchronized (namespacesEntered) {
      namespacesEntered.add(pid);
    }
  }));

  @Test
  void execExitZeroIsSuccessAndGetsTheContainerCommandAndTimeout() {
    List<String> calls = new ArrayList<>();
    ContainerProbeRunner runner = new ContainerProbeRunner((id, command, timeout) -> {
      calls.add(id + " " + command + " " + timeout.toSeconds());
      return new ExecResult(new byte[0], new byte[0], 0);
    }, network);
    assertEquals(ProbeResult.success(), runner.run(TARGET, CAT, Duration.ofSeconds(3)));
    assertEquals(List.of("ctr-1 [cat, /tmp/healthy] 3"), calls);
  }

  @Test
  void execNonZeroExitIsAFailureWithTheCommandsOutput() {
    ContainerProbeRunner runner = new ContainerProbeRunner((id, command, timeout) -> new ExecResult(
        "partial\n".getBytes(StandardCharsets.UTF_8), "cat: can't open '/tmp/healthy'\n".getBytes(StandardCharsets.UTF_8), 1),
        network);
    assertEquals(ProbeResult.failure("exit code 1: partial\ncat: can't open '/tmp/healthy'"), runner.run(TARGET, CAT, Duration.ofSeconds(1)));

    ContainerProbeRunner silent = new ContainerProbeRunner((id, command, timeout) -> new ExecResult(new byte[0], new byte[0], 7), network);
    assertEquals(ProbeResult.failure("exit code 7"), silent.run(TARGET, CAT, Duration.ofSeconds(1)));
  }

  @Test
  void anExecThatTimesOutIsAFailure() {
    ContainerProbeRunner runner = new ContainerProbeRunner((id, command, timeout) -> {
      throw SandboxdException.deadlineExceeded("exec in ctr-1 did not finish within 1 s and was killed", null);
    }, network);
    assertEquals(ProbeResult.failure("command [cat, /tmp/healthy] failed: exec in ctr-1 did not finish within 1 s and was killed"),
        runner.run(TARGET, CAT, Duration.ofSeconds(1)));
  }

  @Test
  void networkProbesEnterThePauseProcessesNamespace() {
    ContainerProbeRunner runner = new ContainerProbeRunner((id, command, timeout) -> {
      throw new AssertionError("no exec for network probes");
    }, network);
    runner.run(TARGET, new Probe.TcpSocket(1), Duration.ofSeconds(1));
    runner.run(TARGET, new Probe.HttpGet("HTTP", 1, "/", java.util.Map.of()), Duration.ofSeconds(1));
    synchronized (namespacesEntered) {
      assertEquals(List.of(4242L, 4242L), namespacesEntered);
    }
  }
}
