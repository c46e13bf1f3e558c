package dev.sandboxd.server;

import dev.sandboxd.api.v1.ContainerState;
import dev.sandboxd.api.v1.ContainerStateRunning;
import dev.sandboxd.api.v1.ContainerStateTerminated;
import dev.sandboxd.api.v1.ContainerStateWaiting;
import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.ObjectMeta;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodStats;
import dev.sandboxd.api.v1.PodStatus;
import dev.sandboxd.api.v1.PodView;
import dev.sandboxd.api.v1.SandboxStatus;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.sandbox.SandboxController.Sandbox;
import dev.sandboxd.sandboxer.CriPodSandbox;
import dev.sandboxd.sandboxer.CriPodView.CriContainer;
import dev.sandboxd.sandboxer.CriPodView.Inspected;
import dev.sandboxd.sandboxer.CriPodView.Usage;
import dev.sandboxd.sandboxer.CriSandboxes;
import dev.sandboxd.sandboxer.CriSandboxes.Status;

/**
 * A CRI pod to the sandboxd.v1 Pod message, with source "cri". sandboxd knows its sandbox, not
 * kubelet's spec: the phase follows the sandbox (Pending before the pause runs, Running while it
 * does, Succeeded after), and there are containers only where they were read from containerd.
 */
final class CriPodMessages {
  static final String SOURCE_CRI = CriSandboxes.SOURCE_CRI;

  private CriPodMessages() {}

  /**
   * Without containers (ps answers from memory); the summary view also without labels and
   * annotations (see PodView).
   */
  static Pod toProto(Status status, PodView view) {
    return builder(status, view).build();
  }

  static Pod toProto(Inspected inspected) {
    Pod.Builder pod = builder(inspected.pod(), PodView.POD_VIEW_FULL);
    PodStatus.Builder status = pod.getStatusBuilder();
    if (!inspected.containersKnown()) {
      status.setMessage("containers unknown: containerd did not answer in time");
    }
    inspected.containers().forEach(c -> status.addContainerStatuses(container(c)));
    return pod.build();
  }

  static PodStats stats(Usage usage) {
    CriPodSandbox pod = usage.pod();
    return PodStats.newBuilder()
        .setNamespace(pod.podNamespace())
        .setName(pod.podName())
        .setUid(pod.podUid())
        .setCgroupPath(usage.cgroupPath())
        .setUsage(PodMessages.usage(usage.usage()))
        .setSource(SOURCE_CRI)
        .build();
  }

  private static Pod.Builder builder(Status status, PodView view) {
    CriPodSandbox pod = status.pod();
    Sandbox sandbox = status.sandbox();
    PodStatus.Builder podStatus = PodStatus.newBuilder()
        .setPhase(switch (sandbox.state()) {
          case Created -> "Pending";
          case Ready -> "Running";
          case NotReady -> "Succeeded";
        })
        .setSandbox(SandboxStatus.newBuilder()
            .setId(pod.id())
            .setState(switch (sandbox.state()) {
              case Created -> "NotReady";
              case Ready -> "Ready";
              case NotReady -> "Stopped";
            })
            .setPid(sandbox.pid())
            .setCgroupPath(CriSandboxes.podCgroup(pod))
            .setNetnsPath(pod.netnsPath())
            .setCreatedAt(PodMessages.timestamp(sandbox.createdAt())))
        .setSource(SOURCE_CRI);
    if (sandbox.ready()) {
      podStatus.setStartTime(PodMessages.timestamp(sandbox.createdAt()));
    }
    ObjectMeta.Builder meta = ObjectMeta.newBuilder()
        .setName(pod.podName())
        .setNamespace(pod.podNamespace())
        .setUid(pod.podUid())
        .setCreationTimestamp(PodMessages.timestamp(sandbox.createdAt()));
    if (view != PodView.POD_VIEW_SUMMARY) {
      meta.putAllLabels(pod.labels()).putAllAnnotations(pod.annotations());
    }
    return Pod.newBuilder().setApiVersion("v1").setKind("Pod").setMetadata(meta).setStatus(podStatus);
  }

  /** A container without a task (created, not started) is waiting; one whose task is unknown has no state. */
  private static ContainerStatus container(CriContainer c) {
    ContainerStatus.Builder out = ContainerStatus.newBuilder().setName(c.name()).setImage(c.image()).setContainerId(c.id());
    c.task().ifPresentOrElse(t -> {
      out.setPid(running(t) ? t.pid() : 0).setState(state(t)).setStarted(running(t)).setReady(running(t));
    }, () -> out.setState(ContainerState.newBuilder().setWaiting(ContainerStateWaiting.newBuilder().setReason("NoTask"))));
    return out.build();
  }

  private static boolean running(TaskInfo t) {
    return t.status() == dev.sandboxd.runtime.ContainerRuntime.TaskStatus.Running;
  }

  private static ContainerState state(TaskInfo t) {
    return switch (t.status()) {
      case Running -> ContainerState.newBuilder().setRunning(ContainerStateRunning.getDefaultInstance()).build();
      case Stopped -> {
        ContainerStateTerminated.Builder terminated = ContainerStateTerminated.newBuilder()
            .setExitCode(t.exitCode()).setReason(t.exitCode() == 0 ? "Completed" : "Error");
        t.exitedAt().ifPresent(at -> terminated.setFinishedAt(PodMessages.timestamp(at)));
        yield ContainerState.newBuilder().setTerminated(terminated).build();
      }
      default -> ContainerState.newBuilder().setWaiting(ContainerStateWaiting.newBuilder().setReason(t.status().name())).build();
    };
  }
}
