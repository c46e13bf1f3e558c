package dev.sandboxd.supervisor;

import java.time.Duration;
import java.time.Instant;

/**
 * Runs work later. Timing logic (back-off, probes) takes one of these and a clock, so tests
 * drive time by hand instead of sleeping.
 */
public interface Scheduler {

  /** Runs task once after delay (at once for zero or negative delays); cancel() stops a pending run. */
  Cancellable schedule(Duration delay, Runnable task);

  Instant now();

  interface Cancellable {
    void cancel();
  }
}
