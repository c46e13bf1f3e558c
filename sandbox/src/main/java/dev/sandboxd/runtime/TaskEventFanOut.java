package dev.sandboxd.runtime;

import dev.sandboxd.supervisor.TaskEventHandler;
import java.time.Instant;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.Consumer;

/**
 * Hands each event to several handlers, in the given order: the sandbox controller learns of a
 * pause exit before the pods do, so the pod that asks finds its sandbox already stopped.
 */
public final class TaskEventFanOut implements TaskEventHandler {
  private static final Logger LOG = System.getLogger("dev.sandboxd.events");

  private final List<TaskEventHandler> handlers;

  public TaskEventFanOut(List<TaskEventHandler> handlers) {
    this.handlers = List.copyOf(handlers);
  }

  @Override
  public void taskExited(String containerId, int exitCode, Instant exitedAt) {
    each(h -> h.taskExited(containerId, exitCode, exitedAt));
  }

  @Override
  public void taskOomKilled(String containerId) {
    each(h -> h.taskOomKilled(containerId));
  }

  @Override
  public void imageChanged(String name) {
    each(h -> h.imageChanged(name));
  }

  @Override
  public void streamStarted() {
    each(TaskEventHandler::streamStarted);
  }

  /** One handler's failure does not keep the event from the others. */
  private void each(Consumer<TaskEventHandler> delivery) {
    for (TaskEventHandler h : handlers) {
      try {
        delivery.accept(h);
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "event handler " + h.getClass().getSimpleName() + " failed", e);
      }
    }
  }
}
