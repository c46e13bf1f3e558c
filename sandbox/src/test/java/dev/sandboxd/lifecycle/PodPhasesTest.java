package dev.sandboxd.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.lifecycle.SandboxStatus.State;
import dev.sandboxd.state.PodRecord.Stage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PodPhasesTest {
  private static final Instant T = Instant.parse("2026-11-01T00:00:00Z");

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // case,                                   stage,    sandbox,  apps,              phase
    "being created,                            Creating, NotReady, running,           Pending",
    "one container running,                    Ready,    Ready,    running,           Running",
    "one running one failed,                   Ready,    Ready,    running failed,    Running",
    "waiting while the sandbox runs,           Ready,    Ready,    waiting,           Pending",
    "waiting without a sandbox,                Ready,    Stopped,  waiting,           Unknown",
    "all exited 0,                             Stopped,  Stopped,  succeeded,         Succeeded",
    "one exited non-zero,                      Stopped,  Stopped,  succeeded failed,  Failed",
    "sandbox alone and running,                Ready,    Ready,    '',                Running",
    "sandbox alone and stopped,                Stopped,  Stopped,  '',                Succeeded",
    "sandbox alone being created,              Creating, NotReady, '',                Pending",
  })
  void phaseFromStageSandboxAndContainers(String name, Stage stage, State sandbox, String apps, PodPhase phase) {
    assertEquals(phase, PodPhases.of(stage, sandbox, List.of(), containers(apps)));
  }

  private static List<ContainerStatus> containers(String states) {
    return states.isBlank()
        ? List.of()
        : List.of(states.split(" ")).stream().map(PodPhasesTest::container).toList();
  }

  private static ContainerStatus container(String state) {
    ContainerStatus.State s;
    switch (state) {
      case "running":
        s = new ContainerStatus.Running(T);
        break;
      case "waiting":
        s = new ContainerStatus.Waiting("ContainerCreating", "");
        break;
      case "succeeded":
        s = new ContainerStatus.Terminated(0, "Completed", "", Optional.of(T), T);
        break;
      case "failed":
        s = new ContainerStatus.Terminated(1, "Error", "", Optional.of(T), T);
        break;
      default:
        throw new IllegalArgumentException(state);
    }
    return new ContainerStatus(state, "busybox", "id-" + state, s, 0, 0, "");
  }
}
