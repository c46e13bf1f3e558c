package dev.sandboxd.cgroup;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The limits of one cgroup, in kubelet's units; empty means "leave the kernel's default".
 *
 * @param cpuShares cgroup v1 shares (what OCI specs carry); written as cpu.weight on cgroup v2
 * @param cpuQuotaUsec CFS quota per {@link ResourceMapping#CPU_PERIOD_USEC}
 * @param memoryMaxBytes memory.max
 * @param pidsMax pids.max
 * @param hugetlb2MiBytes hugetlb.2MB.max (0 forbids huge pages, as kubelet sets it when none are asked for)
 */
public record CgroupLimits(
    OptionalLong cpuShares,
    OptionalLong cpuQuotaUsec,
    OptionalLong memoryMaxBytes,
    OptionalLong pidsMax,
    OptionalLong hugetlb2MiBytes) {

  public static final CgroupLimits NONE =
      new CgroupLimits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

  public static final String CPU = "cpu";
  public static final String MEMORY = "memory";
  public static final String PIDS = "pids";
  public static final String HUGETLB = "hugetlb";

  /** The cgroup v2 interface files and the values to write into them, in a fixed order. */
  public Map<String, String> files() {
    Map<String, String> files = new LinkedHashMap<>();
    cpuShares.ifPresent(s -> files.put("cpu.weight", Long.toString(ResourceMapping.sharesToWeight(s))));
    cpuQuotaUsec.ifPresent(q -> files.put("cpu.max", q + " " + ResourceMapping.CPU_PERIOD_USEC));
    memoryMaxBytes.ifPresent(m -> files.put("memory.max", Long.toString(m)));
    pidsMax.ifPresent(p -> files.put("pids.max", Long.toString(p)));
    hugetlb2MiBytes.ifPresent(h -> files.put("hugetlb.2MB.max", Long.toString(h)));
    return files;
  }
}
