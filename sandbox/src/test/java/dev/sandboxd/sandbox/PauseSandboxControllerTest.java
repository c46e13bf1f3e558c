package dev.sandboxd.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.image.NodePlatform;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.image.StaticImages;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.spec.ProcessPrivileges;
import dev.sandboxd.spec.RuntimeDefaultSeccomp;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.sandbox.SandboxController.Sandbox;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PauseSandboxControllerTest {
  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final SandboxSpec spec = new SandboxSpec("sb1", new SandboxSpec.PodIdentity("default", "p", "uid-p"), "p",
      "/test/podp/sb1", Optional.empty(), Map.of("extra", "label"));
  /** The pause image's shared rootfs view (StaticImages' pause chain). */
  private static final String PAUSE_VIEW = "sandboxd-pause-rootfs-sha256-pausechain";

  private SandboxSpec spec(String id) {
    return new SandboxSpec(id, new SandboxSpec.PodIdentity("default", id, "uid-" + id), id, "/test/" + id,
        Optional.empty(), Map.of());
  }

  @Test
  void startUsesTheRootfsMountsCreateGotWithoutAskingContainerdAgain() {
    PauseSandboxController sandboxes = controller();
    sandboxes.create(spec);

    Sandbox started = sandboxes.start("sb1");

    assertTrue(started.ready());
    assertEquals("/proc/" + started.pid() + "/ns/net", started.netnsPath());
    assertEquals(List.of("shared-view " + PAUSE_VIEW, "create-container sb1", "create-task sb1", "start-task sb1"),
        runtime.calls);
    assertEquals(PAUSE_VIEW, runtime.containers.get("sb1").snapshotKey());
    assertEquals("label", runtime.containers.get("sb1").labels().get("extra"));
    assertEquals("default/p", runtime.containers.get("sb1").labels().get(Labels.POD));
  }

  @Test
  void everyPauseNamesOneSharedViewMadeOnceAndKeptAfterTheLastPod() {
    PauseSandboxController sandboxes = controller();
    for (String id : List.of("sb1", "sb2", "sb3")) {
      sandboxes.create(spec(id));
      sandboxes.start(id);
    }

    assertEquals(1, runtime.calls.stream().filter(c -> c.startsWith("shared-view")).count(), runtime.calls.toString());
    assertEquals(Map.of(PAUSE_VIEW, "sha256:pausechain"), runtime.snapshots);
    assertTrue(runtime.snapshotLabels.get(PAUSE_VIEW).containsKey("containerd.io/gc.root"),
        "a GC root: the view must not go with the last pod under the next one's feet");
    for (String id : List.of("sb1", "sb2", "sb3")) {
      assertEquals(PAUSE_VIEW, runtime.containers.get(id).snapshotKey());
      sandboxes.shutdown(id);
    }
    assertEquals(Map.of(), runtime.leftovers());
    assertTrue(runtime.snapshots.containsKey(PAUSE_VIEW));
    assertFalse(runtime.calls.stream().anyMatch(c -> c.startsWith("remove-snapshot")), runtime.calls.toString());
  }

  @Test
  void aViewOfAnEarlierPauseImageIsRemovedOnceNoPauseNamesIt() {
    String old = "sandboxd-pause-rootfs-sha256-oldchain";
    String stillNamed = "sandboxd-pause-rootfs-sha256-olderchain";
    Map<String, String> viewLabels = Map.of(Labels.ROLE, "pause-rootfs", "containerd.io/gc.root", "x");
    runtime.sharedView(old, "sha256:oldchain", viewLabels);
    runtime.sharedView(stillNamed, "sha256:olderchain", viewLabels);
    runtime.createContainer(new ContainerRuntime.ContainerCreate("sb0", "pause:old", Map.of(Labels.ROLE, Labels.ROLE_PAUSE),
        new byte[0], stillNamed));
    runtime.snapshots.put("someone-elses", "sha256:x"); // not labelled as sandboxd's view
    PauseSandboxController sandboxes = controller();

    sandboxes.create(spec);

    assertEquals(java.util.Set.of(PAUSE_VIEW, stillNamed, "someone-elses"), runtime.snapshots.keySet());
  }

  @Test
  void anAdoptedPauseMayHaveASnapshotOfItsOwnWhichShutdownRemoves() {
    runtime.createContainer(new ContainerRuntime.ContainerCreate("sb1", "pause", Map.of(), new byte[0], "sb1"),
        "sha256:pausechain", true); // made by a sandboxd from before the shared view
    PauseSandboxController restarted = controller();
    restarted.adopt("sb1", Instant.EPOCH);

    restarted.shutdown("sb1");

    assertEquals(Map.of(), runtime.leftovers());
  }

  @Test
  void statusAndPlatformAnswerFromMemory() {
    PauseSandboxController sandboxes = controller();
    Sandbox created = sandboxes.create(spec);
    assertEquals(SandboxController.State.Created, created.state());
    sandboxes.start("sb1");
    runtime.calls.clear();

    assertEquals(SandboxController.State.Ready, sandboxes.status("sb1").state());
    assertEquals("linux", sandboxes.platform("sb1").os());
    assertEquals(List.of(), runtime.calls, "no call to containerd");
    assertThrows(SandboxdException.NotFound.class, () -> sandboxes.status("nope"));
  }

  @Test
  void createdAtIsWhenTheSandboxWasMadeNotWhenItIsAsked() {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    PauseSandboxController sandboxes = controller(runtime, clock);
    sandboxes.create(spec);
    sandboxes.start("sb1");
    clock.now = Instant.parse("2026-12-01T01:00:00Z");

    assertEquals(Instant.parse("2026-12-01T00:00:00Z"), sandboxes.status("sb1").createdAt());
  }

  @Test
  void waitCompletesWhenThePauseTaskExitsWithItsExitStatus() {
    PauseSandboxController sandboxes = controller();
    sandboxes.create(spec);
    sandboxes.start("sb1");
    CompletableFuture<SandboxController.SandboxExit> exit = sandboxes.waitExit("sb1");
    assertFalse(exit.isDone(), "blocks while pause runs");

    sandboxes.taskExited("sb1", 2, Instant.parse("2026-12-01T00:00:05Z"));

    assertEquals(new SandboxController.SandboxExit(2, Instant.parse("2026-12-01T00:00:05Z")), exit.getNow(null));
    Sandbox stopped = sandboxes.status("sb1");
    assertEquals(SandboxController.State.NotReady, stopped.state());
    assertEquals(0, stopped.pid());
  }

  @Test
  void waitCompletesOnShutdownAndShutdownRemovesEverything() {
    PauseSandboxController sandboxes = controller();
    sandboxes.create(spec);
    sandboxes.start("sb1");
    CompletableFuture<SandboxController.SandboxExit> exit = sandboxes.waitExit("sb1");

    sandboxes.shutdown("sb1");
    sandboxes.shutdown("sb1"); // idempotent

    assertTrue(exit.isDone());
    assertEquals(Map.of(), runtime.leftovers());
    assertThrows(SandboxdException.NotFound.class, () -> sandboxes.status("sb1"));
  }

  @Test
  void stopIsIdempotentAndRecordsTheExit() {
    PauseSandboxController sandboxes = controller();
    sandboxes.create(spec);
    sandboxes.start("sb1");

    sandboxes.stop("sb1", Duration.ofSeconds(1));
    runtime.calls.clear();
    sandboxes.stop("sb1", Duration.ofSeconds(1));

    assertEquals(SandboxController.State.NotReady, sandboxes.status("sb1").state());
    assertTrue(sandboxes.waitExit("sb1").isDone());
    assertEquals(List.of(), runtime.calls, "a second stop asks nothing");
  }

  @Test
  void aSecondCreateOfOneIdIsRefused() {
    PauseSandboxController sandboxes = controller();
    sandboxes.create(spec);
    assertThrows(SandboxdException.AlreadyExists.class, () -> sandboxes.create(spec));
  }

  @Test
  void adoptionAfterARestartReadsTheTaskOnceAndAPauseThatDiedWhileDownIsNotReady() {
    PauseSandboxController before = controller(); // sandboxd before its restart
    before.create(spec);
    before.start("sb1");
    PauseSandboxController restarted = controller();

    assertEquals(SandboxController.State.Ready, restarted.adopt("sb1", Instant.EPOCH).state());
    runtime.exit("sb1", 0);
    restarted.streamStarted(); // the exit was missed while the event stream was down

    assertEquals(SandboxController.State.NotReady, restarted.status("sb1").state());
    assertTrue(restarted.waitExit("sb1").isDone());
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
    sandboxes.create(spec);
    sandboxes.start("sb1");
    runtime.ignoredSignal.put("sb1", 15);
    runtime.calls.clear();
    return sandboxes;
  }

  @Test
  void aPauseImageOfAnotherArchitectureGetsThePauseRulesForEveryAbiOfTheMachine() throws Exception {
    String node = NodePlatform.ARCHITECTURE;
    List<String> nativeOnly = RuntimeDefaultSeccomp.forPause().architectures();
    List<String> everyAbi = RuntimeDefaultSeccomp.profile(System.getProperty("os.arch"), List.of()).architectures();
    Map<Optional<String>, List<String>> expected = Map.of(
        Optional.empty(), nativeOnly, Optional.of(node), nativeOnly, Optional.of("not-" + node), everyAbi);
    for (Map.Entry<Optional<String>, List<String>> e : expected.entrySet()) {
      FakeContainerRuntime containers = new FakeContainerRuntime();
      new PauseSandboxController(containers, new PauseImage(new StaticImages(e.getKey()), StaticImages.PAUSE),
          new ProcessPrivileges(List.of(), 0), Clock.systemUTC()).create(spec);

      JsonNode seccomp = new ObjectMapper().readTree(containers.containers.get("sb1").specJson()).path("linux").path("seccomp");
      List<String> architectures = new ArrayList<>();
      seccomp.path("architectures").forEach(a -> architectures.add(a.asText()));
      assertEquals(e.getValue(), architectures, "pause image architecture " + e.getKey());
    }
  }

  private PauseSandboxController controller() {
    return controller(runtime);
  }

  private PauseSandboxController controller(ContainerRuntime containers) {
    return controller(containers, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
  }

  private PauseSandboxController controller(ContainerRuntime containers, Clock clock) {
    return new PauseSandboxController(containers, new PauseImage(new StaticImages(), StaticImages.PAUSE),
        new ProcessPrivileges(List.of(), 0), clock);
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
