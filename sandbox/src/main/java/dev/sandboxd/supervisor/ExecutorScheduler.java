package dev.sandboxd.supervisor;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** {@link Scheduler} on a ScheduledExecutorService and the system clock. */
public final class ExecutorScheduler implements Scheduler {
  private static final Logger LOG = System.getLogger("dev.sandboxd.supervisor");

  private final ScheduledExecutorService executor;
  private final Clock clock;

  public ExecutorScheduler(ScheduledExecutorService executor, Clock clock) {
    this.executor = executor;
    this.clock = clock;
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    ScheduledFuture<?> future = executor.schedule(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        // A failed timer must not kill the scheduler thread; the task reports its own outcome.
        LOG.log(Level.ERROR, "scheduled task failed", e);
      }
    }, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public Instant now() {
    return clock.instant();
  }
}
