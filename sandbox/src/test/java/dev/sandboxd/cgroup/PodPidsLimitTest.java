package dev.sandboxd.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.daemon.DaemonConfig;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The node's default pod pids limit: applied where the pids controller exists, silently skipped elsewhere. */
class PodPidsLimitTest {

  private static final ResourcePolicy NODE_DEFAULT =
      new ResourcePolicy(DaemonConfig.DEFAULTS.podPidsLimit(), ResourcePolicy.MissingController.reject, 1L << 32);

  private static Pod pod(String annotations) {
    return new PodManifests(() -> "uid").parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, annotations: %s}
        spec: {containers: [{name: app, image: busybox}]}
        """.formatted(annotations), false).pod();
  }

  @Test
  void theDefaultIsALimit() {
    assertEquals(4096L, DaemonConfig.DEFAULTS.podPidsLimit());
  }

  @Test
  void appliedWhereThePidsControllerExists() {
    PodResources plan = PodResources.plan(pod("{}"), NODE_DEFAULT, Set.of("pids", "memory"), "/sandboxd/podp");
    assertEquals(OptionalLong.of(4096), plan.pod().pidsMax());
    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void skippedSilentlyWhereItDoesNot() {
    PodResources plan = PodResources.plan(pod("{}"), NODE_DEFAULT, Set.of("hugetlb"), "/sandboxd/podp");
    assertEquals(OptionalLong.empty(), plan.pod().pidsMax());
    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void aPodAskingForItsOwnLimitWithoutTheControllerIsStillRefused() {
    SandboxdException e = assertThrows(SandboxdException.FailedPrecondition.class, () -> PodResources.plan(
        pod("{sandboxd.dev/pod-pids-limit: \"20\"}"), NODE_DEFAULT, Set.of("hugetlb"), "/sandboxd/podp"));
    assertTrue(e.getMessage().contains("\"pids\""), e.getMessage());
  }

  @Test
  void zeroOrMinusOneMeansNone() {
    for (long none : new long[] {0, -1}) {
      ResourcePolicy policy = new ResourcePolicy(none, ResourcePolicy.MissingController.reject, 1L << 32);
      assertEquals(OptionalLong.empty(), PodResources.plan(pod("{}"), policy, Set.of("pids"), "/x").pod().pidsMax());
    }
  }
}
