package dev.sandboxd.monitoring;

import dev.sandboxd.metrics.PodUsage;

/** Reads a pod's resource use from its cgroup. */
public interface PodUsageSource {

  /** podCgroup: the pod's cgroup path relative to the cgroup2 root, e.g. /sandboxd/pod&lt;uid&gt;. */
  PodUsage read(String namespace, String name, String podCgroup);
}
