package dev.sandboxd.monitoring;

import dev.sandboxd.lifecycle.ForwardingPodLifecycle;
import dev.sandboxd.metrics.OperationTimer;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.metrics.SandboxdMetrics;
import dev.sandboxd.metrics.SandboxdMetrics.Operation;
import java.time.Duration;
import java.util.Optional;

/**
 * Times run, stop and remove of whatever PodLifecycle it wraps (the API's and the static pods'
 * callers see it); the rest passes through. A decorator keeps the meters out of PodManager.
 */
public final class TimedPodLifecycle extends ForwardingPodLifecycle {
  private final SandboxdMetrics metrics;

  public TimedPodLifecycle(PodLifecycle pods, SandboxdMetrics metrics) {
    super(pods);
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
}
