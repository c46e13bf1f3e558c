package dev.sandboxd.daemon;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's growing thread pools: as many threads as a burst of calls needs, ended soon after.
 * An idle thread keeps its touched stack and its malloc cache resident; the JDK's cached pool (and
 * gRPC's default executor, one) keeps it 60 s, so after a burst of 100 pod starts ~40 such threads
 * held ~5 MB of sandboxd's RSS for a minute. A new thread costs ~50 µs, nothing beside a pod start.
 */
final class IdleThreads {
  /** How long a thread with nothing to do lives on. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(5);

  private IdleThreads() {}

  static ExecutorService cachedPool(ThreadFactory threads) {
    return new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS,
        new SynchronousQueue<>(), threads);
  }
}
