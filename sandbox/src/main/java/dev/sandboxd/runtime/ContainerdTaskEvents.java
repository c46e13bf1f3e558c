package dev.sandboxd.runtime;

import dev.sandboxd.containerd.ContainerdEvent;
import dev.sandboxd.containerd.EventListener;
import dev.sandboxd.containerd.Events;
import dev.sandboxd.containerd.Subscription;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.supervisor.Scheduler;
import dev.sandboxd.supervisor.TaskEventHandler;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;

/**
 * One subscription to containerd's /tasks/exit, /tasks/oom and /images/* events for the whole
 * node, handed to the handler in order on one thread. When the stream ends (containerd restarted), it
 * subscribes again with a growing pause and tells the handler, which reconciles what it missed.
 */
public final class ContainerdTaskEvents implements AutoCloseable {
  private static final Logger LOG = System.getLogger("dev.sandboxd.events");
  private static final List<String> FILTERS = List.of(
      "topic==\"" + ContainerdEvent.TaskExit.TOPIC + "\"",
      "topic==\"" + ContainerdEvent.TaskOom.TOPIC + "\"",
      "topic==\"" + ContainerdEvent.ImageChange.CREATE + "\"",
      "topic==\"" + ContainerdEvent.ImageChange.UPDATE + "\"",
      "topic==\"" + ContainerdEvent.ImageChange.DELETE + "\"");
  private static final Duration FIRST_RETRY = Duration.ofMillis(200);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);

  private final Events events;
  private final TaskEventHandler handler;
  private final Scheduler scheduler;
  private final IntConsumer reconnects;
  private final Runnable reconnectNow;
  private final ExecutorService delivery =
      Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sandboxd-task-events");
        t.setDaemon(true);
        return t;
      });
  private Subscription subscription;
  private boolean closed;
  private boolean live;

  /**
   * @param reconnects told the count of re-subscriptions so far, each time one succeeds
   * @param reconnectNow skips the connection's back-off: containerd is probably coming back
   */
  public ContainerdTaskEvents(
      Events events, TaskEventHandler handler, Scheduler scheduler, IntConsumer reconnects, Runnable reconnectNow) {
    this.events = events;
    this.handler = handler;
    this.scheduler = scheduler;
    this.reconnects = reconnects;
    this.reconnectNow = reconnectNow;
  }

  public synchronized void start() {
    subscribe(FIRST_RETRY, 0);
  }

  /** Whether the stream is up right now (for readiness). */
  public synchronized boolean live() {
    return live;
  }

  private synchronized void subscribe(Duration nextRetry, int attempt) {
    if (closed) {
      return;
    }
    try {
      subscription = events.subscribe(FILTERS, new EventListener() {
        @Override
        public void onEvent(ContainerdEvent event) {
          delivery.execute(() -> deliver(event));
        }

        @Override
        public void onEnd(Optional<SandboxdException> error) {
          ended(error);
        }
      });
      live = true;
      if (attempt > 0) {
        reconnects.accept(attempt);
      }
      delivery.execute(handler::streamStarted);
    } catch (SandboxdException e) {
      LOG.log(Level.WARNING, "subscribing to containerd events failed, retrying in {0} ms: {1}", nextRetry.toMillis(), e.getMessage());
      Duration after = nextRetry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : nextRetry.multipliedBy(2);
      scheduler.schedule(nextRetry, () -> subscribe(after, attempt + 1));
    }
  }

  private synchronized void ended(Optional<SandboxdException> error) {
    live = false;
    if (closed) {
      return;
    }
    LOG.log(Level.WARNING, "containerd event stream ended{0}; subscribing again",
        error.map(e -> " (" + e.getMessage() + ")").orElse(""));
    reconnectNow.run();
    // The new stream waits for the connection (wait-for-ready), so one retry is enough.
    scheduler.schedule(FIRST_RETRY, () -> subscribe(FIRST_RETRY.multipliedBy(2), 1));
  }

  private void deliver(ContainerdEvent event) {
    try {
      if (event instanceof ContainerdEvent.TaskExit exit) {
        if (exit.isInit()) {
          handler.taskExited(exit.containerId(), exit.exitStatus(), exit.exitedAt());
        }
      } else if (event instanceof ContainerdEvent.TaskOom oom) {
        handler.taskOomKilled(oom.containerId());
      } else if (event instanceof ContainerdEvent.ImageChange image) {
        handler.imageChanged(image.name());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "handling " + event, e);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    live = false;
    if (subscription != null) {
      subscription.close();
    }
    delivery.shutdownNow();
  }
}
