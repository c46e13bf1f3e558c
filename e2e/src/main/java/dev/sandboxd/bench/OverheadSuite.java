package dev.sandboxd.bench;

import static dev.sandboxd.bench.LatencyStats.round;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.Pod;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What pods cost the node at rest: sandboxd's memory as running pods grow, each pod's shim and
 * pause, and sandboxd's CPU while nothing happens. Pods here have one busybox container, so each
 * shim serves two tasks.
 */
final class OverheadSuite {
  /** A heap line of jcmd GC.heap_info, for any collector: "... total 4928K, used 3174K ...". */
  private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");
  private static final int POPULATE_CONCURRENCY = 4;

  private final BenchNode node;
  private final NodeCommands commands;
  private final ThroughputSuite creator;
  private final SandboxdPods pods;
  private final PrintStream progress;

  OverheadSuite(BenchNode node, NodeCommands commands, ThroughputSuite creator, SandboxdPods pods, PrintStream progress) {
    this.node = node;
    this.commands = commands;
    this.creator = creator;
    this.pods = pods;
    this.progress = progress;
  }

  /** sandboxd with this many running pods. RSS before, heap after a full GC (the live data). */
  record SandboxdFootprint(int pods, double rssMb, double heapUsedMb, double heapCommittedMb, long threads) {}

  /** Averages over the running pods (the largest step); PSS splits shared pages among the processes sharing them. */
  record PodFootprint(int pods, int maxShimsPerPod, double shimRssMb, double shimPssMb, double pauseRssMb,
      double pausePssMb) {}

  record Result(List<SandboxdFootprint> sandboxd, PodFootprint perPod, int idlePods, int idleSeconds,
      double idleCpuPercentOfOneCore) {}

  /**
   * {@code steps} ascending, e.g. 0, 50, 100, each taken {@code settleSeconds} after the pods (or
   * the throughput runs before step 0) were created; the idle CPU is measured at the last one.
   */
  Result run(List<Integer> steps, int settleSeconds, int idleSeconds) throws IOException, InterruptedException {
    List<Pod> running = new ArrayList<>();
    try {
      List<SandboxdFootprint> footprints = new ArrayList<>();
      for (int step : steps) {
        running.addAll(creator.populate("bench-idle-", running.size(), step, POPULATE_CONCURRENCY));
        Thread.sleep(settleSeconds * 1000L);
        footprints.add(sandboxd(running.size()));
        progress.printf("overhead: %d pods, sandboxd RSS %.1f MB%n", running.size(), footprints.get(footprints.size() - 1).rssMb());
      }
      PodFootprint perPod = perPod(running);
      double cpu = idleCpu(idleSeconds);
      progress.printf("overhead: idle CPU with %d pods over %d s: %.2f %%%n", running.size(), idleSeconds, cpu);
      return new Result(footprints, perPod, running.size(), idleSeconds, cpu);
    } finally {
      creator.removeAll(running, POPULATE_CONCURRENCY);
    }
  }

  /** sandboxd's footprint now, labelled with the number of running pods. */
  SandboxdFootprint sandboxd(int podCount) throws IOException, InterruptedException {
    long pid = node.sandboxdPid();
    double rss = ProcStats.rssKb(pid) / 1024.0;
    long threads = ProcStats.threads(pid);
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    commands.checked(List.of(jcmd, Long.toString(pid), "GC.run"));
    String heapInfo = commands.checked(List.of(jcmd, Long.toString(pid), "GC.heap_info")).stdout();
    long usedKb = 0;
    long committedKb = 0;
    Matcher m = HEAP.matcher(heapInfo);
    while (m.find()) {
      committedKb += Long.parseLong(m.group(1));
      usedKb += Long.parseLong(m.group(2));
    }
    if (committedKb == 0) {
      throw new IllegalStateException("jcmd GC.heap_info shows no heap: " + heapInfo);
    }
    return new SandboxdFootprint(podCount, round(rss), round(usedKb / 1024.0), round(committedKb / 1024.0), threads);
  }

  private PodFootprint perPod(List<Pod> running) throws IOException {
    if (running.isEmpty()) {
      return new PodFootprint(0, 0, 0, 0, 0, 0);
    }
    int maxShims = 0;
    long shimRss = 0;
    long shimPss = 0;
    long pauseRss = 0;
    long pausePss = 0;
    int shimCount = 0;
    for (Pod pod : running) {
      long pause = pod.getStatus().getSandbox().getPid();
      Set<Long> shims = new HashSet<>();
      shims.add(ProcStats.parent(pause));
      for (ContainerStatus c : pod.getStatus().getContainerStatusesList()) {
        shims.add(ProcStats.parent(c.getPid()));
      }
      maxShims = Math.max(maxShims, shims.size());
      for (long shim : shims) {
        shimRss += ProcStats.rssKb(shim);
        shimPss += ProcStats.pssKb(shim);
        shimCount++;
      }
      pauseRss += ProcStats.rssKb(pause);
      pausePss += ProcStats.pssKb(pause);
    }
    int n = running.size();
    return new PodFootprint(n, maxShims, round(shimRss / 1024.0 / shimCount), round(shimPss / 1024.0 / shimCount),
        round(pauseRss / 1024.0 / n), round(pausePss / 1024.0 / n));
  }

  private double idleCpu(int seconds) throws IOException, InterruptedException {
    long pid = node.sandboxdPid();
    double before = ProcStats.cpuSeconds(pid);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    double used = ProcStats.cpuSeconds(pid) - before;
    return round(used / ((System.nanoTime() - start) / 1e9) * 100);
  }
}
