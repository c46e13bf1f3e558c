package dev.sandboxd.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One latency scenario's distribution in milliseconds. Percentiles interpolate linearly between
 * the two nearest ranks (numpy's default), so with 50 runs p99 lies between the two slowest.
 */
record LatencyStats(String description, int runs, double p50Ms, double p90Ms, double p99Ms, double maxMs, double minMs,
    double meanMs) {

  static LatencyStats of(String description, List<Long> nanos) {
    if (nanos.isEmpty()) {
      throw new IllegalArgumentException("no samples for " + description);
    }
    List<Double> ms = new ArrayList<>();
    nanos.forEach(n -> ms.add(n / 1e6));
    Collections.sort(ms);
    double sum = 0;
    for (double m : ms) {
      sum += m;
    }
    return new LatencyStats(description, ms.size(), round(percentile(ms, 50)), round(percentile(ms, 90)),
        round(percentile(ms, 99)), round(ms.get(ms.size() - 1)), round(ms.get(0)), round(sum / ms.size()));
  }

  static double percentile(List<Double> sorted, double p) {
    double rank = p / 100 * (sorted.size() - 1);
    int below = (int) Math.floor(rank);
    int above = Math.min(below + 1, sorted.size() - 1);
    return sorted.get(below) + (rank - below) * (sorted.get(above) - sorted.get(below));
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
