package dev.sandboxd.lifecycle;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The lifecycle event feed: the recent past for `sandboxctl events`, and live delivery to
 * followers (the CLI's -f, the metrics listener). Listeners run on the publishing thread and
 * must be quick.
 */
public final class LifecycleEvents {
  private static final Logger LOG = System.getLogger("dev.sandboxd.events");
  static final int KEPT = 1000;

  private final Deque<LifecycleEvent> recent = new ArrayDeque<>();
  private final List<Consumer<LifecycleEvent>> listeners = new CopyOnWriteArrayList<>();

  public void publish(LifecycleEvent event) {
    synchronized (recent) {
      if (recent.size() == KEPT) {
        recent.removeFirst();
      }
      recent.addLast(event);
    }
    LOG.log(Level.INFO, "{0} {1} {2} {3} {4}", event.type(), event.pod(), event.container(), event.reason(), event.message());
    for (Consumer<LifecycleEvent> listener : listeners) {
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "event listener failed", e);
      }
    }
  }

  public List<LifecycleEvent> recent() {
    synchronized (recent) {
      return new ArrayList<>(recent);
    }
  }

  /** Delivers every later event until the returned handle is run. */
  public Runnable subscribe(Consumer<LifecycleEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
