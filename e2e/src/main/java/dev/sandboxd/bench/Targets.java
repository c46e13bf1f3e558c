package dev.sandboxd.bench;

import dev.sandboxd.bench.Report.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The ratios a report quotes and the targets sandboxd is held to, computed from one run. */
final class Targets {
  private Targets() {}

  static Map<String, Double> ratios(Map<String, LatencyStats> latency, List<ThroughputSuite.Result> throughput) {
    LatencyStats pause = latency.get(LatencySuite.PAUSE_POD);
    LatencyStats one = latency.get(LatencySuite.ONE_CONTAINER_POD);
    LatencyStats ctrPause = latency.get(LatencySuite.CTR_PAUSE);
    LatencyStats ctrPod = latency.get(LatencySuite.CTR_PAUSE_THEN_APP);
    LatencyStats runc = latency.get(LatencySuite.RUNC_PAUSE);
    LatencyStats stopPause = latency.get(LatencySuite.STOP_REMOVE_PAUSE_POD);
    LatencyStats stopOne = latency.get(LatencySuite.STOP_REMOVE_ONE_CONTAINER_POD);
    Map<String, Double> ratios = new LinkedHashMap<>();
    ratios.put("pause_pod_p50_vs_ctr", ratio(pause.p50Ms(), ctrPause.p50Ms()));
    ratios.put("pause_pod_p99_vs_ctr", ratio(pause.p99Ms(), ctrPause.p99Ms()));
    ratios.put("one_container_pod_p50_vs_ctr", ratio(one.p50Ms(), ctrPod.p50Ms()));
    ratios.put("one_container_pod_p99_vs_ctr", ratio(one.p99Ms(), ctrPod.p99Ms()));
    ratios.put("pause_pod_p50_vs_runc", ratio(pause.p50Ms(), runc.p50Ms()));
    ratios.put("pause_pod_p99_vs_runc", ratio(pause.p99Ms(), runc.p99Ms()));
    ratios.put("ctr_pause_p50_vs_runc", ratio(ctrPause.p50Ms(), runc.p50Ms()));
    ratios.put("stop_remove_pause_pod_p50_vs_ctr", ratio(stopPause.p50Ms(), latency.get(LatencySuite.CTR_REMOVE_PAUSE).p50Ms()));
    ratios.put("stop_remove_one_container_pod_p50_vs_ctr",
        ratio(stopOne.p50Ms(), latency.get(LatencySuite.CTR_REMOVE_PAUSE_THEN_APP).p50Ms()));
    ThroughputSuite.Result base = at(throughput, 1);
    for (ThroughputSuite.Result r : throughput) {
      if (base != null && r.concurrency() != 1) {
        ratios.put("throughput_c" + r.concurrency() + "_vs_c1", ratio(r.podsPerS(), base.podsPerS()));
      }
    }
    return ratios;
  }

  static List<Target> check(Map<String, Double> ratios, List<ThroughputSuite.Result> throughput,
      OverheadSuite.Result overhead) {
    List<Target> targets = new ArrayList<>();
    targets.add(atMost("pause-only pod ready p50 vs ctr run p50", 0.8, ratios.get("pause_pod_p50_vs_ctr")));
    targets.add(atMost("pause-only pod ready p99 vs ctr run p99", 1.2, ratios.get("pause_pod_p99_vs_ctr")));
    targets.add(atMost("one-container pod ready p50 vs two-step ctr run p50", 0.8,
        ratios.get("one_container_pod_p50_vs_ctr")));
    ThroughputSuite.Result c4 = at(throughput, 4);
    Double scaling = ratios.get("throughput_c4_vs_c1");
    if (c4 != null && scaling != null) {
      targets.add(new Target("pods/s at concurrency 4 vs 1, no errors", ">= 2.0 and 0 errors", scaling,
          scaling >= 2.0 && c4.errors() == 0));
    }
    OverheadSuite.PodFootprint perPod = overhead.perPod();
    targets.add(new Target("shims per pod", "= 1", perPod.maxShimsPerPod(), perPod.maxShimsPerPod() == 1));
    OverheadSuite.SandboxdFootprint largest = overhead.sandboxd().get(overhead.sandboxd().size() - 1);
    targets.add(new Target("sandboxd RSS (MB) with " + largest.pods() + " pods", "< 300", largest.rssMb(),
        largest.rssMb() < 300));
    targets.add(new Target("sandboxd idle CPU (% of one core) with " + overhead.idlePods() + " pods", "< 2",
        overhead.idleCpuPercentOfOneCore(), overhead.idleCpuPercentOfOneCore() < 2));
    return targets;
  }

  private static Target atMost(String name, double limit, double value) {
    return new Target(name, "<= " + limit + "x", value, value <= limit);
  }

  private static ThroughputSuite.Result at(List<ThroughputSuite.Result> throughput, int concurrency) {
    return throughput.stream().filter(r -> r.concurrency() == concurrency).findFirst().orElse(null);
  }

  private static double ratio(double a, double b) {
    return Math.round(a / b * 1000) / 1000.0;
  }
}
