package dev.sandboxd.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A scheduler whose clock moves only when a test calls {@link #advance}; due tasks run then, in order. */
public final class ManualScheduler implements Scheduler {
  private record Pending(Instant due, long order, Runnable task, boolean[] cancelled) {}

  private final List<Pending> pending = new ArrayList<>();
  private Instant now;
  private long order;

  public ManualScheduler(Instant start) {
    this.now = start;
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    pending.add(new Pending(now.plus(delay.isNegative() ? Duration.ZERO : delay), order++, task, cancelled));
    return () -> cancelled[0] = true;
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  /** Moves the clock forward, running every task that falls due on the way. */
  public void advance(Duration by) {
    Instant target;
    synchronized (this) {
      target = now.plus(by);
    }
    while (true) {
      Pending next;
      synchronized (this) {
        next = pending.stream()
            .filter(p -> !p.due().isAfter(target))
            .min(Comparator.comparing(Pending::due).thenComparing(Pending::order))
            .orElse(null);
        if (next == null) {
          now = target;
          return;
        }
        pending.remove(next);
        now = next.due().isAfter(now) ? next.due() : now;
      }
      if (!next.cancelled()[0]) {
        next.task().run();
      }
    }
  }

  /** Tasks still waiting (not cancelled). */
  public synchronized long pendingCount() {
    return pending.stream().filter(p -> !p.cancelled()[0]).count();
  }
}
