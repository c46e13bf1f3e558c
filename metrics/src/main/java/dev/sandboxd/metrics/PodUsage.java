package dev.sandboxd.metrics;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One pod's readings from its cgroup. A reading the kernel does not offer (controller not
 * enabled) is empty, and then the pod has no series for it rather than a made-up zero.
 */
public record PodUsage(
    String namespace,
    String name,
    OptionalDouble cpuSeconds,
    OptionalLong memoryWorkingSetBytes,
    OptionalLong memoryPeakBytes,
    OptionalLong pids) {}
