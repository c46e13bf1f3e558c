package dev.sandboxd.metrics;

import java.util.List;
import java.util.Map;

/**
 * All pods at one moment: how many are in each phase (Pending, Running...), how many containers
 * in each state (waiting, running, terminated), and the cgroup usage of every pod. A pod missing
 * from usage has no usage series after this snapshot.
 */
public record PodSnapshot(Map<String, Long> podsByPhase, Map<String, Long> containersByState, List<PodUsage> usage) {
  public PodSnapshot {
    podsByPhase = Map.copyOf(podsByPhase);
    containersByState = Map.copyOf(containersByState);
    usage = List.copyOf(usage);
  }
}
