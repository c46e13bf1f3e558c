package dev.sandboxd.daemon;

import dev.sandboxd.lifecycle.PodManager;
import dev.sandboxd.probe.ProbeListener;

/** Probe outcomes turned into pod actions: a failed liveness or startup probe stops the container for a restart. */
final class ProbeCallbacks implements ProbeListener {
  private final PodManager pods;

  ProbeCallbacks(PodManager pods) {
    this.pods = pods;
  }

  @Override
  public void livenessFailed(String containerId, String message) {
    pods.containerUnhealthy(containerId, "Liveness probe failed: " + message);
  }

  @Override
  public void startupFailed(String containerId, String message) {
    pods.containerUnhealthy(containerId, "Startup probe failed: " + message);
  }

  @Override
  public void readinessChanged(String containerId, boolean ready) {
    // Status reads readiness from the probes when asked; nothing to push.
  }

  @Override
  public void probeFailed(String containerId, String probeType, String message) {
    pods.probeFailed(containerId, probeType, message);
  }
}
