package dev.sandboxd.containerd;

import containerd.v1.types.Task;

/** Lifecycle state of a task's process (containerd's {@code task.Status}). */
public enum ProcessStatus {
  UNKNOWN,
  CREATED,
  RUNNING,
  STOPPED,
  PAUSED;

  static ProcessStatus fromProto(Task.Status status) {
    return switch (status) {
      case CREATED -> CREATED;
      case RUNNING -> RUNNING;
      case STOPPED -> STOPPED;
      // PAUSING is the freeze in progress; for a caller the task is no longer running either way.
      case PAUSED, PAUSING -> PAUSED;
      default -> UNKNOWN;
    };
  }
}
