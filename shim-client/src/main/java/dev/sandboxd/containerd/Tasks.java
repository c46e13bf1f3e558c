package dev.sandboxd.containerd;

import java.time.Duration;
import java.util.List;

/**
 * containerd's tasks: the running side of a container (its init process) and the processes
 * exec'd into it. An empty {@code execId} means the task's init process.
 */
public interface Tasks {
  /** Type URL containerd gives an OCI process spec (JSON) inside a protobuf Any. */
  String PROCESS_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Process";

  /** Creates the task (the shim and the runc container, not yet started); returns its init pid. */
  int create(String containerId, List<Mount> rootfs, TaskIo io);

  /** Starts the init process; returns its pid. */
  int start(String containerId);

  /** Starts an exec'd process (see {@link #exec}); returns its pid. */
  int start(String containerId, String execId);

  /** Sends {@code signal} to the process, or to every process of the task when {@code all}. */
  void kill(String containerId, String execId, int signal, boolean all);

  /** Deletes a stopped task (its shim, runc state and io); returns how its init process ended. */
  ExitStatus delete(String containerId);

  /** Deletes a stopped exec'd process; returns how it ended. */
  ExitStatus deleteProcess(String containerId, String execId);

  /** @throws dev.sandboxd.errdefs.SandboxdException.NotFound if the container has no task */
  TaskProcess get(String containerId);

  /** Tasks matching the filter (containerd filter syntax); every task when it is empty. */
  List<TaskProcess> list(String filter);

  /**
   * Blocks until the process exits, at most {@code timeout}.
   *
   * @throws dev.sandboxd.errdefs.SandboxdException.DeadlineExceeded if it is still running then
   */
  ExitStatus wait(String containerId, String execId, Duration timeout);

  /**
   * Adds a process to a running task (not started yet: call {@link #start(String, String)}).
   *
   * @param processSpecJson the OCI process spec as JSON
   */
  void exec(String containerId, String execId, byte[] processSpecJson, TaskIo io);

  /** Sets the size of an exec'd process's pseudo-terminal (it gets SIGWINCH). */
  void resizePty(String containerId, String execId, int width, int height);

  /** The pids of every process in the task. */
  List<Integer> pids(String containerId);
}
