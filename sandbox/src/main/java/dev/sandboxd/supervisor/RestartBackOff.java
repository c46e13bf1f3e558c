package dev.sandboxd.supervisor;

import dev.sandboxd.pod.RestartPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * kubelet's container restart back-off: the first restart is immediate, then each restart waits
 * initial, 2x, 4x ... up to max after the container's exit; a container that ran longer than
 * twice max since its last restart starts over. Pure: the state lives in the pod record, so
 * timers resume after a sandboxd restart.
 */
public record RestartBackOff(Duration initial, Duration max) {

  public static final RestartBackOff KUBELET = new RestartBackOff(Duration.ofSeconds(10), Duration.ofSeconds(300));

  /** Where a container's back-off stands: when it was last restarted and the current delay. */
  public record State(Instant lastRestart, Duration delay) {}

  /** When a container that exited at exitedAt may start again. */
  public Instant restartAt(Optional<State> state, Instant exitedAt) {
    if (state.isEmpty() || expired(state.get(), exitedAt)) {
      return exitedAt;
    }
    return exitedAt.plus(state.get().delay());
  }

  /** The state after a restart at the given moment. */
  public State restarted(Optional<State> state, Instant at) {
    if (state.isEmpty() || expired(state.get(), at)) {
      return new State(at, initial);
    }
    Duration doubled = state.get().delay().multipliedBy(2);
    return new State(at, doubled.compareTo(max) > 0 ? max : doubled);
  }

  private boolean expired(State state, Instant at) {
    return Duration.between(state.lastRestart(), at).compareTo(max.multipliedBy(2)) > 0;
  }

  /** Whether a container that exited with exitCode is started again under the pod's policy. */
  public static boolean restarts(RestartPolicy policy, int exitCode) {
    switch (policy) {
      case Always:
        return true;
      case OnFailure:
        return exitCode != 0;
      default:
        return false;
    }
  }
}
