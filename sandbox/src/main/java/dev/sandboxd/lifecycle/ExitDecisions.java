package dev.sandboxd.lifecycle;

import dev.sandboxd.pod.RestartPolicy;
import dev.sandboxd.supervisor.RestartBackOff;
import java.time.Instant;
import java.util.Optional;

/** What follows a container's exit, by kubelet's rules: a pure function, table-tested. */
final class ExitDecisions {
  private ExitDecisions() {}

  /** The outcome of one exit. */
  sealed interface Decision permits RestartAt, Stays {}

  /** Start the container again at this moment (now or after its back-off). */
  record RestartAt(Instant at) implements Decision {}

  /** The container stays ended; with nextMayStart, the pod's next containers may start now. */
  record Stays(boolean nextMayStart) implements Decision {}

  /**
   * @param kind what the container is to its pod
   * @param backOff its back-off so far, empty before its first restart
   */
  static Decision decide(
      RestartPolicy policy, ContainerKind kind, int exitCode, Optional<RestartBackOff.State> backOff, Instant exitedAt,
      RestartBackOff rules) {
    boolean restart;
    switch (kind) {
      case SIDECAR:
        // A native sidecar is restarted whatever the policy, as long as the pod runs.
        restart = true;
        break;
      case INIT:
        // An init container must succeed: retried unless the policy is Never.
        restart = exitCode != 0 && policy != RestartPolicy.Never;
        break;
      default:
        restart = RestartBackOff.restarts(policy, exitCode);
    }
    if (!restart) {
      return new Stays(kind == ContainerKind.INIT && exitCode == 0);
    }
    return new RestartAt(rules.restartAt(backOff, exitedAt));
  }

  enum ContainerKind {
    INIT,
    SIDECAR,
    APP
  }
}
