package dev.sandboxd.monitoring;

import dev.sandboxd.metrics.OperationTimer;
import dev.sandboxd.container.ExecResult;
import dev.sandboxd.lifecycle.LifecycleEvents;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.lifecycle.PodStats;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.metrics.SandboxdMetrics;
import dev.sandboxd.metrics.SandboxdMetrics.Operation;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Times run, stop and remove of whatever PodLifecycle it wraps (the API's and the static pods'
 * callers see it); the rest passes through. A decorator keeps the meters out of PodManager.
 */
public final class TimedPodLifecycle implements PodLifecycle {
  private final PodLifecycle pods;
  private final SandboxdMetrics metrics;

  public TimedPodLifecycle(PodLifecycle pods, SandboxdMetrics metrics) {
    this.pods = pods;
    this.metrics = metrics;
  }

  @Override
  public RunResult run(String manifest, boolean lenient) {
    return OperationTimer.time(metrics, Operation.SANDBOX_RUN, () -> pods.run(manifest, lenient));
  }

  @Override
  public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
    return OperationTimer.time(metrics, Operation.SANDBOX_STOP, () -> pods.stop(podRef, gracePeriod));
  }

  @Override
  public void remove(String podRef, boolean force) {
    OperationTimer.time(metrics, Operation.SANDBOX_REMOVE, () -> {
      pods.remove(podRef, force);
      return null;
    });
  }

  @Override
  public List<PodStatus> list() {
    return pods.list();
  }

  @Override
  public PodStatus inspect(String podRef) {
    return pods.inspect(podRef);
  }

  @Override
  public void logs(String podRef, String container, boolean follow, OutputStream out, BooleanSupplier keepFollowing)
      throws IOException {
    pods.logs(podRef, container, follow, out, keepFollowing);
  }

  @Override
  public ExecResult exec(String podRef, String container, List<String> command, Optional<Duration> timeout) {
    return pods.exec(podRef, container, command, timeout);
  }

  @Override
  public PodStatus pause(String podRef) {
    return pods.pause(podRef);
  }

  @Override
  public PodStatus unpause(String podRef) {
    return pods.unpause(podRef);
  }

  @Override
  public List<PodStats> stats(Optional<String> podRef) {
    return pods.stats(podRef);
  }

  @Override
  public LifecycleEvents events() {
    return pods.events();
  }
}
