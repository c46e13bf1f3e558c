package dev.sandboxd.probe;

/**
 * What {@link ProbeManager} reports. Calls come one at a time, in the order the changes
 * happened, on a scheduler or probe thread: hand long work (killing a container) to another thread.
 * probeType is Kubernetes' name: "Startup", "Liveness" or "Readiness".
 */
public interface ProbeListener {

  /** The liveness probe reached its failureThreshold: kill the container and restart it per policy. */
  void livenessFailed(String containerId, String message);

  /** The startup probe reached its failureThreshold before succeeding: kill and restart per policy. */
  void startupFailed(String containerId, String message);

  /** ready(containerId) changed; not called for the initial value set by start(). */
  void readinessChanged(String containerId, boolean ready);

  /** Every single failed probe run, also those below the threshold (events, metrics). */
  void probeFailed(String containerId, String probeType, String message);
}
