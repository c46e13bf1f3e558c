package dev.sandboxd.lifecycle;

import dev.sandboxd.errdefs.SandboxdException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * One pod's queue, after kubelet's pod workers: everything that changes the pod (API calls,
 * task exits, restart and probe timers, reconciles) runs here one at a time, in arrival order,
 * on a thread borrowed from a shared pool. A pod with nothing queued holds no thread; a slow
 * step (a grace period, a slow containerd call) holds up this pod alone.
 */
final class PodWorker implements Executor {
  private static final Logger LOG = System.getLogger("dev.sandboxd.lifecycle");

  private final Executor pool;
  private final Deque<Runnable> queue = new ArrayDeque<>();
  private boolean draining;

  PodWorker(Executor pool) {
    this.pool = pool;
  }

  /** Queues work for the pod; it runs after everything queued before it. */
  @Override
  public void execute(Runnable work) {
    synchronized (this) {
      queue.addLast(work);
      if (draining) {
        return;
      }
      draining = true;
    }
    pool.execute(this::drain);
  }

  /**
   * Queues work and waits for its result; its exception is rethrown as it was. Never called from
   * a pod worker: waiting on one's own queue would never end.
   */
  <T> T call(Supplier<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    execute(() -> {
      try {
        result.complete(work.get());
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    try {
      return result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw SandboxdException.internal(String.valueOf(e.getCause()), e.getCause());
    }
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (this) {
        next = queue.pollFirst();
        if (next == null) {
          draining = false;
          return;
        }
      }
      try {
        next.run();
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "pod work failed", e);
      }
    }
  }
}
