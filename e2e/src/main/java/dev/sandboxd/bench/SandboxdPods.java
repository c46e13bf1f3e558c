package dev.sandboxd.bench;

import dev.sandboxd.api.v1.InspectPodRequest;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.StopPodRequest;
import dev.sandboxd.containerd.UnixSocketChannels;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * sandboxd's Pods API over one shared channel, called in-process, so what is timed is sandboxd's
 * work and one local gRPC round trip, never a CLI's start-up.
 */
public final class SandboxdPods implements AutoCloseable {
  private static final long DEADLINE_SECONDS = 120;

  private final ManagedChannel channel;

  public SandboxdPods(Path socket) {
    this.channel = UnixSocketChannels.open(socket, "bench-client", 64 << 20);
  }

  private PodsGrpc.PodsBlockingStub stub() {
    return PodsGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Runs the pod and returns once every container of it is running: RunPod's answer normally
   * says so already; otherwise the pod is inspected until it does.
   */
  Pod runUntilRunning(String manifest) {
    // lenient: the pause-only pod has no containers, which Kubernetes refuses.
    Pod pod = stub().runPod(RunPodRequest.newBuilder().setManifest(manifest).setLenient(true).build()).getPod();
    while (!allRunning(pod)) {
      Thread.onSpinWait();
      pod = stub().inspectPod(InspectPodRequest.newBuilder().setPod(ref(pod)).build()).getPod();
    }
    return pod;
  }

  /** Runs the pod (strictly, as sandboxctl run does) and returns sandboxd's answer, without waiting. */
  public Pod run(String manifest) {
    return stub().runPod(RunPodRequest.newBuilder().setManifest(manifest).build()).getPod();
  }

  public Pod inspect(Pod pod) {
    return stub().inspectPod(InspectPodRequest.newBuilder().setPod(ref(pod)).build()).getPod();
  }

  /** Stops (with the given grace, else the pod's own) and removes the pod. */
  public void stopAndRemove(Pod pod, Optional<Long> graceSeconds) {
    StopPodRequest.Builder stop = StopPodRequest.newBuilder().setPod(ref(pod));
    graceSeconds.ifPresent(stop::setGracePeriodSeconds);
    stub().stopPod(stop.build());
    stub().removePod(RemovePodRequest.newBuilder().setPod(ref(pod)).build());
  }

  public void removeForce(Pod pod) {
    stub().removePod(RemovePodRequest.newBuilder().setPod(ref(pod)).setForce(true).build());
  }

  public List<Pod> list() {
    return stub().listPods(ListPodsRequest.getDefaultInstance()).getPodsList();
  }

  private static boolean allRunning(Pod pod) {
    return pod.getStatus().getSandbox().getState().equals("Ready")
        && pod.getStatus().getContainerStatusesList().stream().allMatch(c -> c.getState().hasRunning());
  }

  private static PodRef ref(Pod pod) {
    return PodRef.newBuilder().setRef(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()).build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
