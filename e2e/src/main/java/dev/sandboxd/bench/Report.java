package dev.sandboxd.bench;

import java.util.List;
import java.util.Map;

/** Everything one benchmark run measured; written as latest.json and rendered as latest.md. */
record Report(
    String generatedAt,
    Machine machine,
    String loadAverageAtStart,
    String loadAverageAtEnd,
    Plan plan,
    Map<String, LatencyStats> latency,
    List<ThroughputSuite.Result> throughput,
    OverheadSuite.SandboxdFootprint sandboxdAtStart,
    OverheadSuite.Result overhead,
    Map<String, Double> ratios,
    List<Target> targets) {

  /** What was run: iterations, counts, and how the sides were interleaved. */
  record Plan(int runs, int warmupRuns, int throughputPods, List<Integer> concurrency, List<Integer> overheadPods,
      int idleSeconds, String method) {}

  /** One target of the issue, checked against this run. */
  record Target(String name, String goal, double value, boolean met) {}
}
