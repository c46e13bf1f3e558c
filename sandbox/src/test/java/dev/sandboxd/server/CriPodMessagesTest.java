package dev.sandboxd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodView;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.sandbox.SandboxController.Sandbox;
import dev.sandboxd.sandbox.SandboxController.State;
import dev.sandboxd.sandboxer.CriPodSandbox;
import dev.sandboxd.sandboxer.CriPodView.CriContainer;
import dev.sandboxd.sandboxer.CriPodView.Inspected;
import dev.sandboxd.sandboxer.CriSandboxes.Status;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CriPodMessagesTest {
  private static final CriPodSandbox POD = new CriPodSandbox("sb1", "default", "web", "uid-web", 0, "web",
      "/run/netns/cni-1", new CriPodSandbox.Dns(List.of(), List.of(), List.of()), Set.of(), Map.of(),
      "/kubepods/pod-web", Map.of("app", "web"), Map.of());

  private static Status status(State state) {
    return new Status(new Sandbox("sb1", state, state == State.Ready ? 42 : 0, "/run/netns/cni-1",
        Instant.parse("2026-12-02T03:00:00Z"), Optional.empty()), POD, Optional.empty());
  }

  @Test
  void aCriPodIsMarkedCriWithItsSandboxAndPhaseFromThePause() {
    Pod pod = CriPodMessages.toProto(status(State.Ready), PodView.POD_VIEW_FULL);

    assertEquals("cri", pod.getStatus().getSource());
    assertEquals("Running", pod.getStatus().getPhase());
    assertEquals("web", pod.getMetadata().getName());
    assertEquals("uid-web", pod.getMetadata().getUid());
    assertEquals("web", pod.getMetadata().getLabelsOrThrow("app"));
    assertEquals("sb1", pod.getStatus().getSandbox().getId());
    assertEquals("Ready", pod.getStatus().getSandbox().getState());
    assertEquals(42, pod.getStatus().getSandbox().getPid());
    assertEquals("/kubepods/pod-web", pod.getStatus().getSandbox().getCgroupPath());
    assertEquals(0, pod.getStatus().getContainerStatusesCount(), "ps answers from memory, without containers");
    assertEquals("Pending", CriPodMessages.toProto(status(State.Created), PodView.POD_VIEW_FULL).getStatus().getPhase());
    assertEquals("Stopped", CriPodMessages.toProto(status(State.NotReady), PodView.POD_VIEW_FULL).getStatus().getSandbox().getState());
  }

  @Test
  void theSummaryOfACriPodHasNoLabelsOrAnnotationsAndTheSameStatus() {
    Pod full = CriPodMessages.toProto(status(State.Ready), PodView.POD_VIEW_FULL);
    Pod summary = CriPodMessages.toProto(status(State.Ready), PodView.POD_VIEW_SUMMARY);

    assertEquals(full.toBuilder().setMetadata(full.getMetadata().toBuilder().clearLabels().clearAnnotations()).build(), summary);
    assertEquals(0, summary.getMetadata().getLabelsCount());
  }

  @Test
  void inspectAddsTheContainersWithTheirTasksOrSaysTheyAreUnknown() {
    Pod pod = CriPodMessages.toProto(new Inspected(status(State.Ready), List.of(
        new CriContainer("c1", "app", "busybox", Optional.of(new TaskInfo("c1", 77, TaskStatus.Running, 0, Optional.empty()))),
        new CriContainer("c2", "done", "busybox", Optional.of(new TaskInfo("c2", 0, TaskStatus.Stopped, 3, Optional.empty()))),
        new CriContainer("c3", "new", "busybox", Optional.empty())), true));

    var containers = pod.getStatus().getContainerStatusesList();
    assertEquals(List.of("app", "done", "new"), containers.stream().map(c -> c.getName()).toList());
    assertTrue(containers.get(0).getState().hasRunning() && containers.get(0).getReady());
    assertEquals(77, containers.get(0).getPid());
    assertEquals(3, containers.get(1).getState().getTerminated().getExitCode());
    assertEquals("Error", containers.get(1).getState().getTerminated().getReason());
    assertTrue(containers.get(2).getState().hasWaiting());
    assertEquals("", pod.getStatus().getMessage());

    Pod unknown = CriPodMessages.toProto(new Inspected(status(State.Ready), List.of(), false));
    assertTrue(unknown.getStatus().getMessage().contains("containers unknown"), unknown.getStatus().getMessage());
    assertFalse(unknown.getStatus().getSource().isEmpty());
  }
}
