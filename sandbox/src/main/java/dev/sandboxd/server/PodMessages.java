package dev.sandboxd.server;

import com.google.protobuf.Timestamp;
import dev.sandboxd.api.v1.ContainerState;
import dev.sandboxd.api.v1.PodIP;
import dev.sandboxd.api.v1.ContainerStateRunning;
import dev.sandboxd.api.v1.ContainerStateTerminated;
import dev.sandboxd.api.v1.ContainerStateWaiting;
import dev.sandboxd.api.v1.ContainerStats;
import dev.sandboxd.api.v1.ObjectMeta;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodCondition;
import dev.sandboxd.api.v1.PodStats;
import dev.sandboxd.api.v1.PodStatus;
import dev.sandboxd.api.v1.PodView;
import dev.sandboxd.api.v1.ResourceUsage;
import dev.sandboxd.api.v1.SandboxStatus;
import dev.sandboxd.cgroup.CgroupUsage;
import dev.sandboxd.lifecycle.ContainerStatus;
import dev.sandboxd.pod.PodJson;
import java.time.Instant;

/** Domain pod status to the sandboxd.v1 Pod message (Kubernetes' shape). */
final class PodMessages {
  /** PodStatus.source of sandboxd's own pods. */
  static final String SOURCE_SANDBOXD = "sandboxd";

  private PodMessages() {}

  static Pod toProto(dev.sandboxd.lifecycle.PodStatus status) {
    return toProto(status, PodView.POD_VIEW_FULL);
  }

  /** The summary view leaves out the spec, labels and annotations (see PodView). */
  static Pod toProto(dev.sandboxd.lifecycle.PodStatus status, PodView view) {
    boolean full = view != PodView.POD_VIEW_SUMMARY;
    dev.sandboxd.pod.Pod pod = status.pod();
    ObjectMeta.Builder meta = ObjectMeta.newBuilder()
        .setName(pod.metadata().name())
        .setNamespace(pod.metadata().namespace())
        .setUid(pod.metadata().uid())
        .setCreationTimestamp(timestamp(status.createdAt()));
    if (full) {
      meta.putAllLabels(pod.metadata().labels()).putAllAnnotations(pod.metadata().annotations());
    }
    PodStatus.Builder podStatus = PodStatus.newBuilder()
        .setPhase(status.phase().name())
        .setSandbox(sandbox(status.sandbox()))
        .setQosClass(status.qosClass().name())
        .setFrozen(status.frozen())
        .addAllResourceWarnings(status.resourceWarnings())
        .setHostIp(status.hostIp())
        .setSource(SOURCE_SANDBOXD);
    if (!status.podIps().isEmpty()) {
      podStatus.setPodIp(status.podIps().get(0));
      status.podIps().forEach(ip -> podStatus.addPodIps(PodIP.newBuilder().setIp(ip)));
    }
    if (status.sandbox().state() != dev.sandboxd.lifecycle.SandboxStatus.State.NotReady) {
      podStatus.setStartTime(timestamp(status.sandbox().createdAt()));
    }
    status.initContainers().forEach(c -> podStatus.addInitContainerStatuses(container(c)));
    status.containers().forEach(c -> podStatus.addContainerStatuses(container(c)));
    status.conditions().forEach(c -> podStatus.addConditions(
        PodCondition.newBuilder().setType(c.type()).setStatus(c.status() ? "True" : "False").setReason(c.reason())));
    Pod.Builder out = Pod.newBuilder().setApiVersion("v1").setKind("Pod").setMetadata(meta).setStatus(podStatus);
    if (full) {
      out.setSpec(JsonStructs.struct(PodJson.spec(pod.spec())));
    }
    return out.build();
  }

  static PodStats stats(dev.sandboxd.lifecycle.PodStats stats) {
    PodStats.Builder out = PodStats.newBuilder()
        .setNamespace(stats.namespace())
        .setName(stats.name())
        .setUid(stats.uid())
        .setCgroupPath(stats.cgroupPath())
        .setUsage(usage(stats.usage()))
        .setSource(SOURCE_SANDBOXD);
    for (dev.sandboxd.lifecycle.PodStats.ContainerStats c : stats.containers()) {
      out.addContainers(ContainerStats.newBuilder()
          .setName(c.name())
          .setContainerId(c.containerId())
          .setCgroupPath(c.cgroupPath())
          .setUsage(usage(c.usage())));
    }
    return out.build();
  }

  static ResourceUsage usage(CgroupUsage u) {
    ResourceUsage.Builder out = ResourceUsage.newBuilder();
    u.cpuUsageUsec().ifPresent(out::setCpuUsageUsec);
    u.cpuUserUsec().ifPresent(out::setCpuUserUsec);
    u.cpuSystemUsec().ifPresent(out::setCpuSystemUsec);
    u.cpuNrThrottled().ifPresent(out::setCpuNrThrottled);
    u.cpuThrottledUsec().ifPresent(out::setCpuThrottledUsec);
    u.memoryCurrentBytes().ifPresent(out::setMemoryCurrentBytes);
    u.memoryPeakBytes().ifPresent(out::setMemoryPeakBytes);
    u.pidsCurrent().ifPresent(out::setPidsCurrent);
    return out.build();
  }

  private static SandboxStatus sandbox(dev.sandboxd.lifecycle.SandboxStatus s) {
    return SandboxStatus.newBuilder()
        .setId(s.id())
        .setState(s.state().name())
        .setPid(s.pid())
        .setCgroupPath(s.cgroupPath())
        .setNetnsPath(s.netnsPath())
        .setCreatedAt(timestamp(s.createdAt()))
        .build();
  }

  private static dev.sandboxd.api.v1.ContainerStatus container(ContainerStatus c) {
    dev.sandboxd.api.v1.ContainerStatus.Builder out = dev.sandboxd.api.v1.ContainerStatus.newBuilder()
        .setName(c.name())
        .setImage(c.image())
        .setContainerId(c.containerId())
        .setState(state(c.state()))
        .setRestartCount(c.restartCount())
        .setStarted(c.started())
        .setReady(c.ready())
        .setPid(c.pid())
        .setLogPath(c.logPath());
    c.lastState().ifPresent(t -> out.setLastState(state(t)));
    return out.build();
  }

  private static ContainerState state(ContainerStatus.State s) {
    ContainerState.Builder state = ContainerState.newBuilder();
    if (s instanceof ContainerStatus.Waiting w) {
      state.setWaiting(ContainerStateWaiting.newBuilder().setReason(w.reason()).setMessage(w.message()));
    } else if (s instanceof ContainerStatus.Running r) {
      state.setRunning(ContainerStateRunning.newBuilder().setStartedAt(timestamp(r.startedAt())));
    } else if (s instanceof ContainerStatus.Terminated t) {
      ContainerStateTerminated.Builder terminated = ContainerStateTerminated.newBuilder()
          .setExitCode(t.exitCode())
          .setReason(t.reason())
          .setMessage(t.message())
          .setFinishedAt(timestamp(t.finishedAt()));
      t.startedAt().ifPresent(started -> terminated.setStartedAt(timestamp(started)));
      state.setTerminated(terminated);
    }
    return state.build();
  }

  static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
