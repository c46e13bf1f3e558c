package dev.sandboxd.cgroup;

/**
 * Kubernetes' conversions from CPU millicores and memory requests to cgroup values, as kubelet
 * (pkg/kubelet/cm, pkg/kubelet/qos) and runc compute them.
 */
public final class ResourceMapping {
  public static final long MIN_SHARES = 2;
  public static final long MAX_SHARES = 262_144;
  public static final long SHARES_PER_CPU = 1024;
  public static final long MILLI_PER_CPU = 1000;
  /** The CFS period kubelet uses, in microseconds. */
  public static final long CPU_PERIOD_USEC = 100_000;
  /** The smallest quota the kernel accepts, in microseconds. */
  public static final long MIN_QUOTA_USEC = 1000;
  public static final int GUARANTEED_OOM_SCORE_ADJ = -997;
  public static final int BEST_EFFORT_OOM_SCORE_ADJ = 1000;

  private ResourceMapping() {}

  /** cpu.shares of cgroup v1 for a CPU request; no request gets the minimum. */
  public static long milliCpuToShares(long milliCpu) {
    if (milliCpu == 0) {
      return MIN_SHARES;
    }
    // Divide first where the product would overflow: the result is clamped far below that anyway.
    long shares = milliCpu > Long.MAX_VALUE / SHARES_PER_CPU ? MAX_SHARES : milliCpu * SHARES_PER_CPU / MILLI_PER_CPU;
    return Math.max(MIN_SHARES, Math.min(MAX_SHARES, shares));
  }

  /** cgroup v2 cpu.weight [1, 10000] for cgroup v1 shares [2, 262144], as runc and kubelet convert. */
  public static long sharesToWeight(long shares) {
    return 1 + ((shares - MIN_SHARES) * 9999) / (MAX_SHARES - MIN_SHARES);
  }

  /** The CFS quota per {@link #CPU_PERIOD_USEC} for a CPU limit; 0 (no quota) for no limit. */
  public static long milliCpuToQuota(long milliCpu) {
    if (milliCpu == 0) {
      return 0;
    }
    long quota = milliCpu > Long.MAX_VALUE / CPU_PERIOD_USEC ? Long.MAX_VALUE : milliCpu * CPU_PERIOD_USEC / MILLI_PER_CPU;
    return Math.max(quota, MIN_QUOTA_USEC);
  }

  /**
   * A Burstable container's oom_score_adj: the larger its share of the node's memory it
   * requests, the later it is killed, always after BestEffort and before Guaranteed ones.
   */
  public static int burstableOomScoreAdj(long memoryRequestBytes, long memoryCapacityBytes) {
    int floor = 1000 + GUARANTEED_OOM_SCORE_ADJ;
    if (memoryRequestBytes >= memoryCapacityBytes) {
      return floor;
    }
    long adj = 1000 - (1000 * memoryRequestBytes) / memoryCapacityBytes;
    if (adj < floor) {
      return floor;
    }
    return adj == BEST_EFFORT_OOM_SCORE_ADJ ? BEST_EFFORT_OOM_SCORE_ADJ - 1 : (int) adj;
  }
}
