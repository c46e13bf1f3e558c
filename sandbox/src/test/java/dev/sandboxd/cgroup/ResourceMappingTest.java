package dev.sandboxd.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** kubelet's conversions, row by row (values checked against kubelet's and runc's Go code). */
class ResourceMappingTest {

  @ParameterizedTest(name = "{0}m -> shares {1}, weight {2}")
  @CsvSource({
    // milli, shares, weight
    "0,        2,      1",      // no request: the minimum
    "1,        2,      1",      // 1m is 1.024 shares: clamped up to 2
    "2,        2,      1",
    "3,        3,      1",
    "10,       10,     1",
    "100,      102,    4",
    "250,      256,    10",
    "500,      512,    20",
    "1000,     1024,   39",     // one CPU: the kernel's default weight is 100, kubelet's 39
    "2000,     2048,   79",
    "4000,     4096,   157",
    "256000,   262144, 10000",  // 256 CPUs: the maximum
    "300000,   262144, 10000",  // beyond: clamped down
    "9223372036854775807, 262144, 10000",
  })
  void cpuRequestToSharesAndWeight(long milli, long shares, long weight) {
    assertEquals(shares, ResourceMapping.milliCpuToShares(milli));
    assertEquals(weight, ResourceMapping.sharesToWeight(shares));
  }

  @ParameterizedTest(name = "{0}m -> quota {1}")
  @CsvSource({
    "0,      0",        // no limit: no quota
    "1,      1000",     // 100 us: below the kernel's minimum, raised to 1 ms
    "5,      1000",
    "10,     1000",
    "11,     1100",
    "100,    10000",
    "250,    25000",
    "1000,   100000",
    "1500,   150000",
    "64000,  6400000",
  })
  void cpuLimitToQuotaPerPeriod(long milli, long quota) {
    assertEquals(quota, ResourceMapping.milliCpuToQuota(milli));
  }

  @ParameterizedTest(name = "request {0} of {1} -> {2}")
  @CsvSource({
    "0,          1000,  999",  // requests nothing: just above BestEffort
    "1,          1000,  999",
    "100,        1000,  900",
    "500,        1000,  500",
    "996,        1000,  4",
    "998,        1000,  3",    // never as low as Guaranteed
    "1000,       1000,  3",
    "5000,       1000,  3",
  })
  void burstableOomScoreAdj(long request, long capacity, int adj) {
    assertEquals(adj, ResourceMapping.burstableOomScoreAdj(request, capacity));
  }
}
