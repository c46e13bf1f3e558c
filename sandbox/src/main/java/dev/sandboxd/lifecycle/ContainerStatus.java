package dev.sandboxd.lifecycle;

import java.time.Instant;
import java.util.Optional;

/**
 * One container's state, in Kubernetes terms: exactly one of waiting, running, terminated.
 * pid is the host pid of its main process while it runs, else 0.
 */
public record ContainerStatus(
    String name,
    String image,
    String containerId,
    State state,
    int pid,
    int restartCount,
    String logPath) {

  /** The container's current state; the subtype says which Kubernetes state it is. */
  public sealed interface State permits Waiting, Running, Terminated {}

  public record Waiting(String reason, String message) implements State {}

  public record Running(Instant startedAt) implements State {}

  public record Terminated(
      int exitCode, String reason, String message, Optional<Instant> startedAt, Instant finishedAt)
      implements State {}
}
