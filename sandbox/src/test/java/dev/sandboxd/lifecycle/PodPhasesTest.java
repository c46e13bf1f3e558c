package dev.sandboxd.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.PodDns;
import dev.sandboxd.pod.PodSecurityContext;
import dev.sandboxd.pod.PodSpec;
import dev.sandboxd.pod.RestartPolicy;
import dev.sandboxd.pod.SecurityContext;
import dev.sandboxd.pod.Supervision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** kubelet's phase computation, table-driven; the seed's transition table row by row for every policy. */
class PodPhasesTest {
  static final Instant T = Instant.EPOCH;

  // Container states as the supervisor reports them right after the event.
  static ContainerStatus running(String name) {
    return status(name, new ContainerStatus.Running(T), Optional.empty());
  }

  static ContainerStatus exited(String name, int code, String reason) {
    return status(name, terminated(code, reason), Optional.empty());
  }

  /** Exited and about to be restarted: waiting (CrashLoopBackOff or restarting), last state terminated. */
  static ContainerStatus restarting(String name, int code, String reason) {
    return status(name, new ContainerStatus.Waiting("CrashLoopBackOff", ""), Optional.of(terminated(code, reason)));
  }

  static ContainerStatus creating(String name) {
    return status(name, new ContainerStatus.Waiting("ContainerCreating", ""), Optional.empty());
  }

  static ContainerStatus.Terminated terminated(int code, String reason) {
    return new ContainerStatus.Terminated(code, reason, "", Optional.of(T), T);
  }

  static ContainerStatus status(String name, ContainerStatus.State state, Optional<ContainerStatus.Terminated> last) {
    boolean isRunning = state instanceof ContainerStatus.Running;
    return new ContainerStatus(name, "img", "id-" + name, state, last, isRunning ? 1 : 0, last.isPresent() ? 1 : 0, isRunning, isRunning, "");
  }

  /** What the supervisor shows after a container exits under a policy: restarting, or terminated for good. */
  static ContainerStatus after(RestartPolicy policy, String name, int code, String reason) {
    boolean restarts = policy == RestartPolicy.Always || (policy == RestartPolicy.OnFailure && code != 0);
    return restarts ? restarting(name, code, reason) : exited(name, code, reason);
  }

  static Container container(String name, boolean sidecar) {
    return new Container(name, "img", List.of(), List.of(), List.of(), Optional.empty(), List.of(), SecurityContext.EMPTY, dev.sandboxd.pod.ResourceRequirements.NONE,
        sidecar ? new Supervision(Optional.of(RestartPolicy.Always), List.of(), Optional.empty(), Optional.empty(), Optional.empty())
            : Supervision.NONE);
  }

  static PodSpec spec(RestartPolicy policy, List<String> init, List<String> sidecars, List<String> apps) {
    List<Container> initContainers = new ArrayList<>();
    init.forEach(n -> initContainers.add(container(n, sidecars.contains(n))));
    List<Container> containers = new ArrayList<>();
    apps.forEach(n -> containers.add(container(n, false)));
    return new PodSpec(initContainers, containers, List.of(), policy, 30, false, Optional.empty(), PodSecurityContext.EMPTY,
        PodDns.DEFAULT);
  }

  static Stream<Arguments> seedTable() {
    List<Arguments> rows = new ArrayList<>();
    String[][] expected = {
      // Always, OnFailure, Never
      {"Running", "Succeeded", "Succeeded"}, // 1 container, exits 0
      {"Running", "Running", "Failed"}, // 1 container, exits non-zero
      {"Running", "Running", "Running"}, // 2 containers, 1 exits non-zero
      {"Running", "Running", "Failed"}, // 2 containers, OOM-killed
    };
    RestartPolicy[] policies = {RestartPolicy.Always, RestartPolicy.OnFailure, RestartPolicy.Never};
    for (int p = 0; p < 3; p++) {
      RestartPolicy policy = policies[p];
      rows.add(Arguments.of("1 container exits 0", policy, List.of("a"), List.of(after(policy, "a", 0, "Completed")), expected[0][p]));
      rows.add(Arguments.of("1 container exits 1", policy, List.of("a"), List.of(after(policy, "a", 1, "Error")), expected[1][p]));
      rows.add(Arguments.of("2 containers, 1 exits 1", policy, List.of("a", "b"),
          List.of(after(policy, "a", 1, "Error"), running("b")), expected[2][p]));
      // The seed's "container OOM-killed" row for a two-container pod: the pod's memory runs out
      // and both containers are killed (with one still running kubelet keeps the pod Running).
      rows.add(Arguments.of("2 containers OOM-killed", policy, List.of("a", "b"),
          List.of(after(policy, "a", 137, "OOMKilled"), after(policy, "b", 137, "OOMKilled")), expected[3][p]));
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "{0} under {1} -> {4}")
  @MethodSource("seedTable")
  void theSeedsTransitionTable(String row, RestartPolicy policy, List<String> apps, List<ContainerStatus> statuses, String phase) {
    assertEquals(PodPhase.valueOf(phase), PodPhases.of(spec(policy, List.of(), List.of(), apps), List.of(), statuses, false));
  }

  static Stream<Arguments> moreCases() {
    return Stream.of(
        Arguments.of("containers being created", RestartPolicy.Always, List.of(), List.of(), List.of(creating("a")), false, "Pending"),
        Arguments.of("init container running", RestartPolicy.Always, List.of("init"), List.of(running("init")), List.of(creating("a")), false, "Pending"),
        Arguments.of("init container failed under Never", RestartPolicy.Never, List.of("init"), List.of(exited("init", 1, "Error")), List.of(creating("a")), false, "Failed"),
        Arguments.of("init container failed, retried under OnFailure", RestartPolicy.OnFailure, List.of("init"), List.of(restarting("init", 1, "Error")), List.of(creating("a")), false, "Pending"),
        Arguments.of("init done, app running", RestartPolicy.Never, List.of("init"), List.of(exited("init", 0, "Completed")), List.of(running("a")), false, "Running"),
        Arguments.of("sidecar running, app running", RestartPolicy.Never, List.of("proxy"), List.of(running("proxy")), List.of(running("a")), false, "Running"),
        Arguments.of("sidecar not started yet", RestartPolicy.Never, List.of("proxy"), List.of(creating("proxy")), List.of(creating("a")), false, "Pending"),
        Arguments.of("app done, sidecar still running, Never", RestartPolicy.Never, List.of("proxy"), List.of(running("proxy")), List.of(exited("a", 0, "Completed")), false, "Succeeded"),
        Arguments.of("sidecar restarting after the app started", RestartPolicy.Always, List.of("proxy"), List.of(restarting("proxy", 1, "Error")), List.of(running("a")), false, "Running"),
        Arguments.of("stopped on purpose, exit 0", RestartPolicy.Always, List.of(), List.of(), List.of(exited("a", 0, "Completed")), true, "Succeeded"),
        Arguments.of("stopped on purpose, killed", RestartPolicy.Always, List.of(), List.of(), List.of(exited("a", 137, "Error")), true, "Failed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("moreCases")
  void initContainersSidecarsAndTerminalPods(String name, RestartPolicy policy, List<String> init, List<ContainerStatus> initStatuses,
      List<ContainerStatus> statuses, boolean terminal, String phase) {
    List<String> sidecars = init.contains("proxy") ? List.of("proxy") : List.of();
    List<String> apps = statuses.stream().map(ContainerStatus::name).toList();
    assertEquals(PodPhase.valueOf(phase), PodPhases.of(spec(policy, init, sidecars, apps), initStatuses, statuses, terminal));
  }
}
