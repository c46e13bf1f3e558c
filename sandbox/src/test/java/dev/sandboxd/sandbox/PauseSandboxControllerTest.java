package dev.sandboxd.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.image.PauseImage;
import dev.sandboxd.image.StaticImages;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.spec.ProcessPrivileges;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
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

  @Test
  void aSigtermThatArrivesBeforePauseCatchesItIsSentAgain() {
    ContainerRuntime dropsFirstTerm = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> {
          try {
            return method.invoke(runtime, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          } finally {
            if (method.getName().equals("killTask")) {
              runtime.ignoredSignal.remove("sb1"); // pause has its handler from now on
            }
          }
        });
    PauseSandboxController sandboxes = runningAndDeafToSigterm(controller(dropsFirstTerm));

    sandboxes.stop("sb1", Duration.ofSeconds(5));

    assertEquals(List.of("kill sb1 15", "kill sb1 15"), runtime.calls);
  }

  @Test
  void aPauseThatNeverExitsOnSigtermIsKilledWhenTheTimeoutIsUsedUp() {
    PauseSandboxController sandboxes = runningAndDeafToSigterm(controller());

    sandboxes.stop("sb1", Duration.ofMillis(250));

    assertEquals(List.of("kill sb1 15", "kill sb1 15", "kill sb1 15", "kill sb1 9"), runtime.calls,
        "SIGTERM every 100 ms for 250 ms, then SIGKILL");
  }

  /** Sandbox sb1 started, its pause not (yet) catching SIGTERM, the call log empty. */
  private PauseSandboxController runningAndDeafToSigterm(PauseSandboxController sandboxes) {
    sandboxes.create(pod, "sb1", "/test/podp/sb1");
    sandboxes.start("sb1");
    runtime.ignoredSignal.put("sb1", 15);
    runtime.calls.clear();
    return sandboxes;
  }

  private PauseSandboxController controller() {
    return controller(runtime);
  }

  private PauseSandboxController controller(ContainerRuntime containers) {
    return new PauseSandboxController(containers, new PauseImage(new StaticImages(), StaticImages.PAUSE),
        new ProcessPrivileges(List.of(), 0), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
  }
}
