package dev.sandboxd.supervisor;

import java.time.Instant;

/** What the supervisor hears from containerd's task event stream. Calls come one at a time, in order. */
public interface TaskEventHandler {

  /** A task's init process exited. */
  void taskExited(String containerId, int exitCode, Instant exitedAt);

  /** The kernel OOM-killed a process of the task (containerd sends this before the exit). */
  void taskOomKilled(String containerId);

  /** The stream was (re)established; anything may have happened while it was down. */
  void streamStarted();
}
