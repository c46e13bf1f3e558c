package dev.sandboxd.pod;

import java.util.List;
import java.util.Optional;

/**
 * How a container is looked after while it runs: a sidecar restart policy (init containers
 * only: Always makes it a native sidecar), a preStop exec hook, and its probes.
 */
public record Supervision(
    Optional<RestartPolicy> restartPolicy,
    List<String> preStopCommand,
    Optional<Probe> startupProbe,
    Optional<Probe> livenessProbe,
    Optional<Probe> readinessProbe) {

  public static final Supervision NONE =
      new Supervision(Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty());

  public Supervision {
    preStopCommand = List.copyOf(preStopCommand);
  }

  /** An init container that runs beside the app containers for the pod's whole life. */
  public boolean isSidecar() {
    return restartPolicy.equals(Optional.of(RestartPolicy.Always));
  }
}
