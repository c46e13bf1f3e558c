package dev.sandboxd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.pod.RestartPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RestartBackOffTest {
  static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");
  final RestartBackOff backOff = RestartBackOff.KUBELET;

  /** A container that crashes the moment it starts: its restarts wait 0, 10, 20, 40 ... 300, 300 s. */
  @Test
  void aCrashLoopWaitsLongerEachTimeUpToFiveMinutes() {
    Optional<RestartBackOff.State> state = Optional.empty();
    Instant now = T0;
    List<Long> waits = new ArrayList<>();
    for (int crash = 0; crash < 9; crash++) {
      Instant restartAt = backOff.restartAt(state, now);
      waits.add(Duration.between(now, restartAt).toSeconds());
      now = restartAt;
      state = Optional.of(backOff.restarted(state, now));
    }
    assertEquals(List.of(0L, 10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L), waits);
  }

  @Test
  void tenMinutesWithoutARestartResetTheBackOff() {
    RestartBackOff.State state = new RestartBackOff.State(T0, Duration.ofSeconds(300));
    assertEquals(T0.plusSeconds(599 + 300), backOff.restartAt(Optional.of(state), T0.plusSeconds(599)));
    assertEquals(T0.plusSeconds(601), backOff.restartAt(Optional.of(state), T0.plusSeconds(601)), "immediate again");
    assertEquals(Duration.ofSeconds(10), backOff.restarted(Optional.of(state), T0.plusSeconds(601)).delay());
  }

  @Test
  void theBackOffIsConfigurable() {
    RestartBackOff quick = new RestartBackOff(Duration.ofMillis(500), Duration.ofSeconds(2));
    RestartBackOff.State s = quick.restarted(Optional.empty(), T0);
    s = quick.restarted(Optional.of(s), T0.plusSeconds(1));
    s = quick.restarted(Optional.of(s), T0.plusSeconds(2));
    s = quick.restarted(Optional.of(s), T0.plusSeconds(3));
    assertEquals(Duration.ofSeconds(2), s.delay());
  }

  @ParameterizedTest(name = "{0} exit {1} -> restart {2}")
  @CsvSource({"Always,0,true", "Always,1,true", "OnFailure,0,false", "OnFailure,137,true", "Never,0,false", "Never,1,false"})
  void restartPolicies(RestartPolicy policy, int exitCode, boolean restarts) {
    assertEquals(restarts, RestartBackOff.restarts(policy, exitCode));
  }
}
