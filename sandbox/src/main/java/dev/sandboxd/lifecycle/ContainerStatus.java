package dev.sandboxd.lifecycle;

import java.time.Instant;
import java.util.Optional;

/**
 * One container's state, in Kubernetes terms: exactly one of waiting, running, terminated, plus
 * how its previous run ended (lastState). pid is the host pid of its main process while it runs,
 * else 0; started and ready follow the startup and readiness probes (true once running without).
 */
public record ContainerStatus(
    String name,
    String image,
    String containerId,
    State state,
    Optional<Terminated> lastState,
    int pid,
    int restartCount,
    boolean started,
    boolean ready,
    String logPath) {

  /** The same status in another state. */
  public ContainerStatus withState(State other) {
    return new ContainerStatus(name, image, containerId, other, lastState, pid, restartCount, started, ready, logPath);
  }

  /** The container's current state; the subtype says which Kubernetes state it is. */
  public sealed interface State permits Waiting, Running, Terminated {}

  public record Waiting(String reason, String message) implements State {}

  public record Running(Instant startedAt) implements State {}

  public record Terminated(
      int exitCode, String reason, String message, Optional<Instant> startedAt, Instant finishedAt)
      implements State {}
}
