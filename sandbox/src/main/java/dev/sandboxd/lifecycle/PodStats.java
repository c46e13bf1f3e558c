package dev.sandboxd.lifecycle;

import dev.sandboxd.cgroup.CgroupUsage;
import java.util.List;

/** A pod's resource usage, read from its cgroup and each container's. */
public record PodStats(
    String namespace, String name, String uid, String cgroupPath, CgroupUsage usage, List<ContainerStats> containers) {

  public PodStats {
    containers = List.copyOf(containers);
  }

  /** One container's usage; empty values when its task does not run. */
  public record ContainerStats(String name, String containerId, String cgroupPath, CgroupUsage usage) {}
}
