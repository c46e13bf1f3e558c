package dev.sandboxd.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.cgroup.CgroupLimits;
import dev.sandboxd.cgroup.PodResources;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.StaticImages;
import dev.sandboxd.metrics.SandboxdMetrics;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.spec.EtcFiles;
import dev.sandboxd.spec.ProcessPrivileges;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** createAndStart is all or nothing: whatever step fails, containerd keeps nothing of the container. */
class ContainerManagerRollbackTest {
  private static final String ID = "c0001";

  @TempDir Path dir;
  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final ExecutorService io = Executors.newCachedThreadPool();
  private final ContainerManager containers = new ContainerManager(runtime, new StaticImages(), path -> {},
      new ProcessPrivileges(List.of("CAP_CHOWN", "CAP_KILL"), 0), io, SandboxdMetrics.NONE, log -> log.toUri().toString());

  @AfterEach
  void stopThreads() {
    io.shutdownNow();
  }

  @Test
  void aStartedContainerKeepsItsTaskContainerAndSnapshot() {
    assertEquals(1000, containers.createAndStart(launch()));
    assertEquals(Map.of("snapshots", Set.of(ID), "containers", Set.of(ID), "tasks", Set.of(ID)),
        runtime.leftovers());
  }

  @Test
  void aFailingCreateTaskLeavesNoContainerAndNoSnapshot() {
    runtime.failWhen("create-task", ID::equals);

    SandboxdException e = assertThrows(SandboxdException.class, () -> containers.createAndStart(launch()));

    assertTrue(e.getMessage().contains("injected: create-task"), e.getMessage());
    assertEquals(Map.of(), runtime.leftovers());
    assertEquals(List.of("create-container " + ID, "create-task " + ID, "delete-container " + ID, "remove-snapshot " + ID),
        runtime.calls);
    assertEquals(0, e.getSuppressed().length);
  }

  @Test
  void aFailingStartTaskLeavesNoTaskContainerOrSnapshot() {
    runtime.failWhen("start-task", ID::equals);

    SandboxdException e = assertThrows(SandboxdException.class, () -> containers.createAndStart(launch()));

    assertTrue(e.getMessage().contains("injected: start-task"), e.getMessage());
    assertEquals(Map.of(), runtime.leftovers());
    assertEquals(List.of("create-container " + ID, "create-task " + ID, "start-task " + ID,
        "kill " + ID + " " + Signals.SIGKILL, "delete-task " + ID, "delete-container " + ID, "remove-snapshot " + ID),
        runtime.calls);
  }

  @Test
  void errorsDuringRollbackAreAttachedToTheFailureAndTheRestIsStillUndone() {
    runtime.failWhen("start-task", ID::equals);
    runtime.failWhen("delete-task", ID::equals);

    SandboxdException e = assertThrows(SandboxdException.class, () -> containers.createAndStart(launch()));

    assertTrue(e.getMessage().contains("injected: start-task"), e.getMessage());
    List<String> suppressed = Arrays.stream(e.getSuppressed()).map(Throwable::getMessage).toList();
    assertEquals(2, suppressed.size(), suppressed.toString());
    assertTrue(suppressed.get(0).startsWith("rollback: delete task: injected: delete-task"), suppressed.toString());
    assertSame(SandboxdException.Internal.class, e.getSuppressed()[0].getCause().getClass());
    // Every undo step still ran: the container's delete too, which containerd refuses while the task is there.
    assertTrue(suppressed.get(1).startsWith("rollback: delete container and snapshot: container " + ID + " has a task"),
        suppressed.toString());
  }

  @Test
  void aFailingDeleteDuringRollbackIsAttachedNotThrownInstead() {
    runtime.failWhen("create-task", ID::equals);
    runtime.failWhen("delete-container", ID::equals);

    SandboxdException e = assertThrows(SandboxdException.class, () -> containers.createAndStart(launch()));

    assertTrue(e.getMessage().contains("injected: create-task"), e.getMessage());
    assertEquals(1, e.getSuppressed().length);
    assertTrue(e.getSuppressed()[0].getMessage().startsWith("rollback: delete container and snapshot: injected: delete-container"),
        e.getSuppressed()[0].getMessage());
  }

  private ContainerLaunch launch() {
    Pod pod = PodManifests.withRandomUids().parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers: [{name: app, image: "%s", command: [sleep, "60"]}]
        """.formatted(StaticImages.BUSYBOX), false).pod();
    return new ContainerLaunch(pod, pod.spec().containers().get(0), "app", ID, "sandbox1", 42, "/sandboxd/podx/" + ID,
        List.of(), EtcFiles.NONE, dir.resolve("logs/app/0.log"), new PodResources.ContainerResources(CgroupLimits.NONE, 0));
  }
}
