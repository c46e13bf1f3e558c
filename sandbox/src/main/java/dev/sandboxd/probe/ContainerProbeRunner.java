package dev.sandboxd.probe;

import dev.sandboxd.container.ExecResult;
import dev.sandboxd.pod.Probe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Runs each kind of probe action the way kubelet does: exec in the container, network probes in the pod. */
public final class ContainerProbeRunner implements ProbeRunner {
  /** kubelet keeps this much of an exec probe's output for its message, too. */
  private static final int MAX_MESSAGE_BYTES = 10 * 1024;

  private final ExecProbeCommand exec;
  private final PodNetworkProber network;

  public ContainerProbeRunner(ExecProbeCommand exec, PodNetworkProber network) {
    this.exec = exec;
    this.network = network;
  }

  @Override
  public ProbeResult run(ProbeTarget target, Probe.Action action, Duration timeout) {
    if (action instanceof Probe.HttpGet get) {
      return network.httpGet(target.pausePid(), get, timeout);
    }
    if (action instanceof Probe.TcpSocket socket) {
      return network.tcpSocket(target.pausePid(), socket.port(), timeout);
    }
    return exec(target.containerId(), (Probe.Exec) action, timeout);
  }

  private ProbeResult exec(String containerId, Probe.Exec action, Duration timeout) {
    ExecResult result;
    try {
      result = exec.exec(containerId, action.command(), timeout);
    } catch (RuntimeException e) {
      // Timeouts land here too: the exec was killed.
      return ProbeResult.failure("command " + action.command() + " failed: " + e.getMessage());
    }
    if (result.exitCode() == 0) {
      return ProbeResult.success();
    }
    String output = output(result);
    return ProbeResult.failure("exit code " + result.exitCode() + (output.isEmpty() ? "" : ": " + output));
  }

  /** stdout then stderr, as kubelet reports an exec probe's combined output. */
  private static String output(ExecResult result) {
    byte[] all = new byte[result.stdout().length + result.stderr().length];
    System.arraycopy(result.stdout(), 0, all, 0, result.stdout().length);
    System.arraycopy(result.stderr(), 0, all, result.stdout().length, result.stderr().length);
    return new String(all, 0, Math.min(all.length, MAX_MESSAGE_BYTES), StandardCharsets.UTF_8).strip();
  }
}
