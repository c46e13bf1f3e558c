package dev.sandboxd.monitoring;

import dev.sandboxd.metrics.PodSnapshot;
import dev.sandboxd.metrics.SandboxdMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A metrics sink that writes down each call as a line, for asserting the mapping. */
final class RecordingMetrics implements SandboxdMetrics {
  final List<String> calls = new ArrayList<>();
  final List<PodSnapshot> snapshots = new ArrayList<>();

  @Override
  public void operation(Operation operation, Outcome outcome, Duration took) {
    calls.add("operation " + operation.label() + " " + outcome.label());
  }

  @Override
  public void containerRestarted(String namespace, String pod, String container) {
    calls.add("restarted " + namespace + " " + pod + " " + container);
  }

  @Override
  public void containerExited(String reason) {
    calls.add("exited " + reason);
  }

  @Override
  public void oomKilled() {
    calls.add("oomKilled");
  }

  @Override
  public void probeFailed(String probe) {
    calls.add("probeFailed " + probe);
  }

  @Override
  public void containerdCall(String service, String method, String code, Duration took) {
    calls.add("containerd " + service + " " + method + " " + code);
  }

  @Override
  public void eventStreamReconnected() {
    calls.add("reconnected");
  }

  @Override
  public void cniOperation(String network, String verb, Outcome outcome, Duration took) {
    calls.add("cni " + network + " " + verb + " " + outcome.label());
  }

  @Override
  public void podIpsAllocated(int count) {
    calls.add("pod ips " + count);
  }

  @Override
  public void podSnapshot(PodSnapshot snapshot) {
    snapshots.add(snapshot);
  }

  @Override
  public void criPods(Map<String, Long> byState) {
    calls.add("criPods " + byState);
  }

  @Override
  public void podRemoved(String namespace, String pod) {
    calls.add("removed " + namespace + " " + pod);
  }
}
