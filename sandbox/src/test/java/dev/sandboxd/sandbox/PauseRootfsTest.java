package dev.sandboxd.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.runtime.ContainerRuntime.ContainerCreate;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.runtime.Labels;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PauseRootfsTest {
  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final PauseRootfs rootfs = new PauseRootfs(runtime, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
  private static final String OLD = PauseRootfs.keyOf("sha256:old");
  private static final String NEW = PauseRootfs.keyOf("sha256:new");

  private void pause(String id, String key) {
    runtime.createContainer(new ContainerCreate(id, "pause", Map.of(Labels.ROLE, Labels.ROLE_PAUSE), new byte[0], key));
  }

  @Test
  void anEarlierImagesViewStaysWhilePausesNameItAndGoesWithTheLast() {
    rootfs.createOn("sha256:old", key -> pause("p-old", key));
    rootfs.createOn("sha256:new", key -> pause("p-new", key)); // the pause image changed

    assertEquals(Set.of(OLD, NEW), runtime.snapshots.keySet(), "p-old still names the old view");

    rootfs.released(NEW); // the current view stays with no pause naming it
    runtime.deleteContainer("p-old");
    rootfs.released(OLD);

    assertEquals(Set.of(NEW), runtime.snapshots.keySet());
  }

  @Test
  void noViewIsRemovedWhileAPauseThatWillNameItIsBeingMade() throws Exception {
    CountDownLatch proceed = new CountDownLatch(1);
    CompletableFuture<PauseRootfs.View> old = CompletableFuture.supplyAsync(() -> rootfs.createOn("sha256:old", key -> {
      try {
        assertTrue(proceed.await(10, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      pause("p-old", key);
    }));
    while (!runtime.snapshots.containsKey(OLD)) {
      Thread.sleep(5);
    }
    // The image changes meanwhile: the new chain's first pod looks for unused views.
    CompletableFuture<PauseRootfs.View> fresh = CompletableFuture.supplyAsync(() -> rootfs.createOn("sha256:new", key -> pause("p-new", key)));
    Thread.sleep(200);
    assertFalse(fresh.isDone(), "waits for the pause being made");
    proceed.countDown();
    old.get(10, TimeUnit.SECONDS);
    fresh.get(10, TimeUnit.SECONDS);

    assertEquals(Set.of(OLD, NEW), runtime.snapshots.keySet(), "the old view is named by p-old");
  }

  @Test
  void keysAreTheChainIdsWithoutTheColon() {
    assertEquals("sandboxd-pause-rootfs-sha256-abc", PauseRootfs.keyOf("sha256:abc"));
  }
}
