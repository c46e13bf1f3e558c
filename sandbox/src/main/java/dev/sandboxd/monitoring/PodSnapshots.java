package dev.sandboxd.monitoring;

import dev.sandboxd.lifecycle.ContainerStatus;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.lifecycle.PodPhase;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.metrics.PodSnapshot;
import dev.sandboxd.metrics.PodUsage;
import dev.sandboxd.metrics.SandboxdMetrics;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Takes the picture of all pods that the pod gauges show, on a timer rather than at scrape time:
 * it reads every pod's cgroup files, and a timer bounds that cost however often Prometheus
 * scrapes. Pod states come from the lifecycle's memory, not from containerd.
 */
public final class PodSnapshots implements Runnable {
  private static final Logger LOG = System.getLogger("dev.sandboxd.metrics");

  private final PodLifecycle pods;
  private final PodUsageSource usage;
  private final SandboxdMetrics metrics;

  public PodSnapshots(PodLifecycle pods, PodUsageSource usage, SandboxdMetrics metrics) {
    this.pods = pods;
    this.usage = usage;
    this.metrics = metrics;
  }

  @Override
  public void run() {
    try {
      metrics.podSnapshot(take(pods.list()));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "pod metrics not refreshed: {0}", e.toString());
    }
  }

  PodSnapshot take(List<PodStatus> all) {
    Map<String, Long> phases = new LinkedHashMap<>();
    for (PodPhase phase : PodPhase.values()) {
      phases.put(phase.name(), 0L);
    }
    Map<String, Long> states = new LinkedHashMap<>(Map.of("waiting", 0L, "running", 0L, "terminated", 0L));
    List<PodUsage> readings = new ArrayList<>();
    for (PodStatus pod : all) {
      phases.merge(pod.phase().name(), 1L, Long::sum);
      List<ContainerStatus> containers = new ArrayList<>(pod.initContainers());
      containers.addAll(pod.containers());
      for (ContainerStatus c : containers) {
        states.merge(stateName(c.state()), 1L, Long::sum);
      }
      String leaf = pod.sandbox().cgroupPath();
      String podCgroup = leaf.substring(0, Math.max(leaf.lastIndexOf('/'), 0));
      readings.add(usage.read(pod.pod().metadata().namespace(), pod.pod().metadata().name(), podCgroup));
    }
    return new PodSnapshot(phases, states, readings);
  }

  private static String stateName(ContainerStatus.State state) {
    if (state instanceof ContainerStatus.Running) {
      return "running";
    }
    return state instanceof ContainerStatus.Waiting ? "waiting" : "terminated";
  }
}
