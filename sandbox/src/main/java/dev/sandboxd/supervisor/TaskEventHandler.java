package dev.sandboxd.supervisor;

import java.time.Instant;

/**
 * What sandboxd hears from containerd's event stream: task exits and OOM kills, image name
 * changes, and the stream's (re)starts. Calls come one at a time, in order, on the event thread:
 * handlers only record or route, never wait.
 */
public interface TaskEventHandler {

  /** A task's init process exited. */
  void taskExited(String containerId, int exitCode, Instant exitedAt);

  /** The kernel OOM-killed a process of the task (containerd sends this before the exit). */
  void taskOomKilled(String containerId);

  /** An image name was created, updated or deleted. */
  default void imageChanged(String name) {}

  /** The stream was (re)established; anything may have happened while it was down. */
  void streamStarted();
}
