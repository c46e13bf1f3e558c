package dev.sandboxd.containerd;

import containerd.v1.types.Task;

/** Lifecycle state of a task's process. */
public enum TaskStatus {
  UNKNOWN,
  CREATED,
  RUNNING,
  STOPPED,
  PAUSED;

  static TaskStatus fromProto(Task.Status status) {
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
