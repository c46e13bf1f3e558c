package dev.sandboxd.manifestdir;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.cgroup.QosClass;
import dev.sandboxd.lifecycle.LifecycleEvents;
import dev.sandboxd.lifecycle.UnsupportedPodLifecycle;
import dev.sandboxd.lifecycle.PodPhase;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.lifecycle.SandboxStatus;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Pods in memory: what was run and removed, in order, with failures on request. */
final class MemoryPods extends UnsupportedPodLifecycle {
  private final LifecycleEvents events = new LifecycleEvents();

  private final PodManifests manifests = PodManifests.withRandomUids();
  private final Map<String, PodStatus> pods = new LinkedHashMap<>();
  final List<String> calls = new ArrayList<>();
  int listCalls;
  int failingRuns;
  boolean failRemoves;
  private int sandboxes;

  @Override
  public synchronized RunResult run(String manifest, boolean lenient) {
    Pod pod = manifests.parse(manifest, lenient).pod();
    calls.add("run " + pod.fullName());
    if (failingRuns > 0) {
      failingRuns--;
      throw SandboxdException.notFound("image localhost/sandboxd/busybox:1.35 not found: import it first");
    }
    if (pods.containsKey(pod.fullName())) {
      throw SandboxdException.alreadyExists("pod %s exists already: remove it first", pod.fullName());
    }
    Instant now = Instant.EPOCH;
    PodStatus status = new PodStatus(pod, now, PodPhase.Running,
        new SandboxStatus("sandbox-" + ++sandboxes, SandboxStatus.State.Ready, 1, "", "", now), List.of(), List.of(),
        QosClass.BestEffort, false, List.of(), List.of(), "");
    pods.put(pod.fullName(), status);
    return new RunResult(status, List.of());
  }

  @Override
  public synchronized void remove(String podRef, boolean force) {
    PodStatus status = inspect(podRef);
    calls.add("remove " + status.pod().fullName() + (force ? " --force" : ""));
    if (failRemoves) {
      throw SandboxdException.unavailable("containerd is not answering", null);
    }
    pods.remove(status.pod().fullName());
  }

  @Override
  public synchronized List<PodStatus> list() {
    listCalls++;
    return List.copyOf(pods.values());
  }

  @Override
  public synchronized PodStatus inspect(String podRef) {
    return pods.values().stream()
        .filter(p -> p.sandbox().id().equals(podRef) || p.pod().fullName().equals(podRef))
        .findFirst()
        .orElseThrow(() -> SandboxdException.notFound("pod %s not found", podRef));
  }

  synchronized Optional<PodStatus> pod(String fullName) {
    return Optional.ofNullable(pods.get(fullName));
  }

  @Override
  public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
    throw new UnsupportedOperationException("static pods never stop a pod without removing it");
  }

  @Override
  public LifecycleEvents events() {
    return events;
  }

}
