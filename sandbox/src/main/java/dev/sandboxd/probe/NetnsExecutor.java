package dev.sandboxd.probe;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a task inside another process's network namespace. Java cannot pick a namespace per
 * socket, but setns(2) moves one thread, and sockets it creates afterwards belong to the new
 * namespace. So every task gets a fresh platform thread that switches first and dies after the
 * task: a thread that left the host's namespace is never reused.
 */
public final class NetnsExecutor {
  private final NetworkNamespaces namespaces;

  public NetnsExecutor(NetworkNamespaces namespaces) {
    this.namespaces = namespaces;
  }

  /**
   * Runs task in the network namespace of pid and returns its value, waiting at most timeout.
   * The task should bound its own I/O by the same timeout: on TimeoutException its thread is
   * interrupted but left to finish on its own.
   *
   * @throws ExecutionException with the task's failure, or the failure to switch namespaces, as cause
   */
  public <T> T call(long pid, Duration timeout, Callable<T> task)
      throws ExecutionException, TimeoutException, InterruptedException {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        namespaces.enterNetworkNamespaceOf(pid);
        result.complete(task.call());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "netns-" + pid);
    // A hung task must not keep the daemon alive at shutdown.
    thread.setDaemon(true);
    thread.start();
    try {
      return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | InterruptedException e) {
      thread.interrupt();
      throw e;
    }
  }
}
