package dev.sandboxd.monitoring;

import dev.sandboxd.cgroup.CgroupUsage;
import dev.sandboxd.cgroup.PodCgroups;
import dev.sandboxd.metrics.PodUsage;
import java.util.OptionalDouble;

/** A pod's usage for the metrics, from the same cgroup readings `sandboxctl stats` shows. */
public final class CgroupPodUsage implements PodUsageSource {
  private final PodCgroups cgroups;

  public CgroupPodUsage(PodCgroups cgroups) {
    this.cgroups = cgroups;
  }

  @Override
  public PodUsage read(String namespace, String name, String podCgroup) {
    CgroupUsage usage = cgroups.usage(podCgroup);
    OptionalDouble cpuSeconds = usage.cpuUsageUsec().isPresent()
        ? OptionalDouble.of(usage.cpuUsageUsec().getAsLong() / 1e6)
        : OptionalDouble.empty();
    return new PodUsage(namespace, name, cpuSeconds, usage.memoryWorkingSetBytes(), usage.memoryPeakBytes(), usage.pidsCurrent());
  }
}
