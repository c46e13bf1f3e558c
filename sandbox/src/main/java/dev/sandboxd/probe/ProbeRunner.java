package dev.sandboxd.probe;

import dev.sandboxd.pod.Probe;
import java.time.Duration;

/** Runs one probe action once. Failures are results, not exceptions. */
public interface ProbeRunner {

  /** Should return within about timeout; {@link ProbeManager} counts a later answer as a failure anyway. */
  ProbeResult run(ProbeTarget target, Probe.Action action, Duration timeout);
}
