package dev.sandboxd.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.lifecycle.ExitDecisions.ContainerKind;
import dev.sandboxd.lifecycle.ExitDecisions.Decision;
import dev.sandboxd.lifecycle.ExitDecisions.RestartAt;
import dev.sandboxd.lifecycle.ExitDecisions.Stays;
import dev.sandboxd.pod.RestartPolicy;
import dev.sandboxd.supervisor.RestartBackOff;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExitDecisionsTest {
  private static final Instant EXITED = Instant.parse("2026-12-01T00:00:00Z");
  private static final RestartBackOff RULES = new RestartBackOff(Duration.ofSeconds(10), Duration.ofSeconds(300));

  /**
   * @param backOffSeconds the container's back-off so far (-1: never restarted)
   * @param outcome "restart+S" (restart S seconds after the exit), "stay", or "stay+next" (the pod's
   *     next containers may start)
   */
  @ParameterizedTest(name = "{0}: {1} {2} exits {3} → {5}")
  @CsvSource({
      "app exits 0 under Always restarts at once,            Always,    APP,     0,   -1, restart+0",
      "app fails under Always restarts at once,              Always,    APP,     1,   -1, restart+0",
      "second failure waits its back-off,                    Always,    APP,     1,   10, restart+10",
      "app exits 0 under OnFailure stays done,               OnFailure, APP,     0,   -1, stay",
      "app fails under OnFailure restarts,                   OnFailure, APP,     2,   20, restart+20",
      "app exits 0 under Never stays,                        Never,     APP,     0,   -1, stay",
      "app fails under Never stays failed,                   Never,     APP,     1,   -1, stay",
      "init exits 0 lets the next start,                     Always,    INIT,    0,   -1, stay+next",
      "init exits 0 under Never lets the next start,         Never,     INIT,    0,   -1, stay+next",
      "init fails under Always is retried,                   Always,    INIT,    1,   -1, restart+0",
      "init fails under OnFailure is retried after back-off, OnFailure, INIT,    1,   40, restart+40",
      "init fails under Never fails the pod,                 Never,     INIT,    1,   -1, stay",
      "sidecar restarts even under Never,                    Never,     SIDECAR, 0,   -1, restart+0",
      "sidecar failure waits its back-off,                   Always,    SIDECAR, 1,   80, restart+80",
  })
  void decides(String name, RestartPolicy policy, ContainerKind kind, int exitCode, long backOffSeconds, String outcome) {
    Optional<RestartBackOff.State> backOff = backOffSeconds < 0
        ? Optional.empty()
        : Optional.of(new RestartBackOff.State(EXITED.minusSeconds(5), Duration.ofSeconds(backOffSeconds)));

    Decision decision = ExitDecisions.decide(policy, kind, exitCode, backOff, EXITED, RULES);

    Decision expected = switch (outcome) {
      case "stay" -> new Stays(false);
      case "stay+next" -> new Stays(true);
      default -> new RestartAt(EXITED.plusSeconds(Long.parseLong(outcome.substring("restart+".length()))));
    };
    assertEquals(expected, decision);
  }
}
