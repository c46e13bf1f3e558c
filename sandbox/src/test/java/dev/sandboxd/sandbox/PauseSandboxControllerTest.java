package dev.sandboxd.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.image.PauseImage;
import dev.sandboxd.image.StaticImages;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.system.ProcessPrivileges;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class PauseSandboxControllerTest {
  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final Pod pod = PodManifests.withRandomUids()
      .parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n", true).pod();

  @Test
  void startUsesTheRootfsMountsCreateGotWithoutAskingContainerdAgain() {
    PauseSandboxController sandboxes = controller();
    sandboxes.create(pod, "sb1", "/test/podp/sb1");

    SandboxController.SandboxInfo started = sandboxes.start("sb1");

    assertTrue(started.running());
    assertEquals(List.of("create-container sb1", "create-task sb1", "start-task sb1"), runtime.calls);
  }

  @Test
  void aSandboxCreatedByAnotherControllerStartsFromItsSnapshot() {
    controller().create(pod, "sb1", "/test/podp/sb1");
    runtime.calls.clear();

    controller().start("sb1");

    assertEquals(List.of("snapshot-mounts sb1", "create-task sb1", "start-task sb1"), runtime.calls);
  }

  private PauseSandboxController controller() {
    return new PauseSandboxController(runtime, new PauseImage(new StaticImages(), StaticImages.PAUSE),
        new ProcessPrivileges(List.of(), 0), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
  }
}
