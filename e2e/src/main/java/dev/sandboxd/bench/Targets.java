package dev.sandboxd.bench;

import dev.sandboxd.bench.Report.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The ratios a report quotes and the targets sandboxd is held to, computed from one run. */
final class Targets {
  private Targets() {}

  /** The ratios of the scenarios this run measured (a run of one section has only its own). */
  static Map<String, Double> ratios(Map<String, LatencyStats> latency, List<ThroughputSuite.Result> throughput) {
    Map<String, Double> ratios = new LinkedHashMap<>();
    put(ratios, "pause_pod_p50_vs_ctr", latency, LatencySuite.PAUSE_POD, LatencySuite.CTR_PAUSE, LatencyStats::p50Ms);
    put(ratios, "pause_pod_p99_vs_ctr", latency, LatencySuite.PAUSE_POD, LatencySuite.CTR_PAUSE, LatencyStats::p99Ms);
    put(ratios, "one_container_pod_p50_vs_ctr", latency, LatencySuite.ONE_CONTAINER_POD,
        LatencySuite.CTR_PAUSE_THEN_APP, LatencyStats::p50Ms);
    put(ratios, "one_container_pod_p99_vs_ctr", latency, LatencySuite.ONE_CONTAINER_POD,
        LatencySuite.CTR_PAUSE_THEN_APP, LatencyStats::p99Ms);
    put(ratios, "pause_pod_p50_vs_runc", latency, LatencySuite.PAUSE_POD, LatencySuite.RUNC_PAUSE, LatencyStats::p50Ms);
    put(ratios, "pause_pod_p99_vs_runc", latency, LatencySuite.PAUSE_POD, LatencySuite.RUNC_PAUSE, LatencyStats::p99Ms);
    put(ratios, "ctr_pause_p50_vs_runc", latency, LatencySuite.CTR_PAUSE, LatencySuite.RUNC_PAUSE, LatencyStats::p50Ms);
    put(ratios, "stop_remove_pause_pod_p50_vs_ctr", latency, LatencySuite.STOP_REMOVE_PAUSE_POD,
        LatencySuite.CTR_REMOVE_PAUSE, LatencyStats::p50Ms);
    put(ratios, "stop_remove_one_container_pod_p50_vs_ctr", latency, LatencySuite.STOP_REMOVE_ONE_CONTAINER_POD,
        LatencySuite.CTR_REMOVE_PAUSE_THEN_APP, LatencyStats::p50Ms);
    put(ratios, "cni_one_container_pod_p50_vs_ctr", latency, LatencySuite.CNI_ONE_CONTAINER_POD,
        LatencySuite.CTR_CNI_PAUSE_THEN_APP, LatencyStats::p50Ms);
    put(ratios, "cni_one_container_pod_p99_vs_ctr", latency, LatencySuite.CNI_ONE_CONTAINER_POD,
        LatencySuite.CTR_CNI_PAUSE_THEN_APP, LatencyStats::p99Ms);
    put(ratios, "stop_remove_cni_one_container_pod_p50_vs_ctr", latency,
        LatencySuite.STOP_REMOVE_CNI_ONE_CONTAINER_POD, LatencySuite.CTR_CNI_REMOVE_PAUSE_THEN_APP, LatencyStats::p50Ms);
    // A compared sandboxd (--compare-sandboxd): its own ratios against the same baselines, and
    // sandboxd's against it, from the same iterations.
    for (String[] pair : new String[][] {
        {"pause_pod", LatencySuite.PAUSE_POD, LatencySuite.CTR_PAUSE},
        {"one_container_pod", LatencySuite.ONE_CONTAINER_POD, LatencySuite.CTR_PAUSE_THEN_APP},
        {"cni_one_container_pod", LatencySuite.CNI_ONE_CONTAINER_POD, LatencySuite.CTR_CNI_PAUSE_THEN_APP}}) {
      String compared = LatencySuite.COMPARED + pair[1];
      put(ratios, "compared_" + pair[0] + "_p50_vs_ctr", latency, compared, pair[2], LatencyStats::p50Ms);
      put(ratios, "compared_" + pair[0] + "_p99_vs_ctr", latency, compared, pair[2], LatencyStats::p99Ms);
      put(ratios, pair[0] + "_p50_vs_compared", latency, pair[1], compared, LatencyStats::p50Ms);
      put(ratios, pair[0] + "_p99_vs_compared", latency, pair[1], compared, LatencyStats::p99Ms);
    }
    ThroughputSuite.Result base = at(throughput, 1);
    for (ThroughputSuite.Result r : throughput) {
      if (base != null && r.concurrency() != 1) {
        ratios.put("throughput_c" + r.concurrency() + "_vs_c1", ratio(r.podsPerS(), base.podsPerS()));
      }
    }
    return ratios;
  }

  /** The targets of what this run measured; overhead is null when the run measured latency only. */
  static List<Target> check(Map<String, Double> ratios, List<ThroughputSuite.Result> throughput,
      OverheadSuite.Result overhead) {
    List<Target> targets = new ArrayList<>();
    atMost(targets, "pause-only pod ready p50 vs ctr run p50", 0.8, ratios.get("pause_pod_p50_vs_ctr"));
    atMost(targets, "pause-only pod ready p99 vs ctr run p99", 1.2, ratios.get("pause_pod_p99_vs_ctr"));
    atMost(targets, "one-container pod ready p50 vs two-step ctr run p50", 0.8,
        ratios.get("one_container_pod_p50_vs_ctr"));
    atMost(targets, "one-container pod ready with CNI p50 vs two-step ctr run --cni p50", 0.8,
        ratios.get("cni_one_container_pod_p50_vs_ctr"));
    ThroughputSuite.Result c4 = at(throughput, 4);
    Double scaling = ratios.get("throughput_c4_vs_c1");
    if (c4 != null && scaling != null) {
      targets.add(new Target("pods/s at concurrency 4 vs 1, no errors", ">= 2.0 and 0 errors", scaling,
          scaling >= 2.0 && c4.errors() == 0));
    }
    if (overhead == null) {
      return targets;
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

  private static void atMost(List<Target> targets, String name, double limit, Double value) {
    if (value != null) {
      targets.add(new Target(name, "<= " + limit + "x", value, value <= limit));
    }
  }

  private static void put(Map<String, Double> ratios, String name, Map<String, LatencyStats> latency, String of,
      String against, ToDoubleFunction<LatencyStats> figure) {
    LatencyStats a = latency.get(of);
    LatencyStats b = latency.get(against);
    if (a != null && b != null) {
      ratios.put(name, ratio(figure.applyAsDouble(a), figure.applyAsDouble(b)));
    }
  }

  private static ThroughputSuite.Result at(List<ThroughputSuite.Result> throughput, int concurrency) {
    return throughput.stream().filter(r -> r.concurrency() == concurrency).findFirst().orElse(null);
  }

  private static double ratio(double a, double b) {
    return Math.round(a / b * 1000) / 1000.0;
  }
}
