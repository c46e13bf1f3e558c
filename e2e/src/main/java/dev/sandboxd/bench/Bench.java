package dev.sandboxd.bench;

import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.image.PauseImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark: pod-ready latency against ctr and raw runc in the same run, throughput at
 * several concurrencies, and sandboxd's footprint, on a running node (hack/up). Writes
 * latest.json and latest.md. hack/bench runs it inside the node's mount namespace.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks sandboxd against ctr and runc on a running node and writes a report.")
public final class Bench implements Callable<Integer> {
  static final String METHOD = "Latency: sequential, one pod on the node at a time, torn down before the next. "
      + "Each iteration runs every scenario of a group once, interleaved, the group's first scenario rotating: "
      + "pause-only (sandboxd, ctr, runc), one container (sandboxd, two-step ctr), three containers (sandboxd). "
      + "sandboxd is called over its gRPC API from the benchmark process (one local round trip, no CLI start-up); "
      + "ctr and runc are timed as processes from spawn to exit, as an operator runs them. ctr runs in sandboxd's "
      + "containerd namespace with the same image, runtime (io.containerd.runc.v2), snapshotter (overlayfs), "
      + "cgroup layout, namespaces, user, read-only root and one shim per pod (io.containerd.runc.v2.group) as "
      + "sandboxd, and --cpu-shares 0 (this host's cgroup2 has no cpu controller). runc runs a bundle of the same "
      + "pause image with runc's default spec made like sandboxd's pause. On a node with a pod network (hack/up, hack/node "
      + "--netns) every sandboxd pod gets its IP from CNI, and every ctr pause runs with --cni (ctr's own network: "
      + "bridge ctr0, 10.90.0.0/16, the same plugin chain, its IPAM state in the node) and is stopped with ctr task "
      + "kill, which runs CNI DEL; runc's pause has no network. With --compare-sandboxd, a second sandboxd on the "
      + "same containerd runs the pause-only and one-container scenarios too, in the same groups (compared_*). "
      + "Percentiles interpolate between ranks.";

  @Option(names = "--repo", description = "the sandboxd checkout (default: the working directory)", defaultValue = ".")
  Path repo;

  @Option(names = "--node-dir", description = "the node's directory (default ${DEFAULT-VALUE})",
      defaultValue = "/run/sandboxd-node")
  Path nodeDir;

  @Option(names = "--out", description = "where latest.json and latest.md go (default: <repo>/bench-results)")
  Path out;

  @Option(names = "--runs", description = "measured runs per latency scenario (default ${DEFAULT-VALUE})",
      defaultValue = "100")
  int runs;

  @Option(names = "--warmup", description = "unmeasured runs first (default ${DEFAULT-VALUE})", defaultValue = "10")
  int warmup;

  @Option(names = "--throughput-pods", description = "pods per throughput run (default ${DEFAULT-VALUE})",
      defaultValue = "100")
  int throughputPods;

  @Option(names = "--concurrency", split = ",", description = "throughput concurrencies (default ${DEFAULT-VALUE})",
      defaultValue = "1,4,16")
  List<Integer> concurrency;

  @Option(names = "--overhead-pods", split = ",",
      description = "running pods at which sandboxd's footprint is taken, ascending (default ${DEFAULT-VALUE})",
      defaultValue = "0,50,100")
  List<Integer> overheadPods;

  @Option(names = "--only", description = "measure this section alone: cni (one-container pod with CNI against "
      + "ctr run --cni; a --netns node)")
  Section only;

  /** A section measured alone with --only. */
  enum Section { cni }

  @Option(names = "--compare-sandboxd", description = "the API socket of a second sandboxd on this node (its own "
      + "containerd namespace, root, state and cgroup parent; other JVM settings or another build): its pause-only "
      + "and one-container pods are timed in the same iterations as sandboxd's, as compared_* scenarios and ratios")
  Path compareSandboxd;

  @Option(names = "--idle-seconds", description = "idle CPU window (default ${DEFAULT-VALUE})", defaultValue = "30")
  int idleSeconds;

  /**
   * sandboxd's growing pools end a thread idle for 5 s (daemon/IdleThreads) and its JVM gives
   * malloc's free memory back every 5 s (sandboxd.jvmopts): right after a burst of pod starts RSS
   * still holds the burst's threads.
   */
  @Option(names = "--settle-seconds", description = "how long sandboxd is left alone before each footprint is "
      + "taken, so that it is the settled one (default ${DEFAULT-VALUE})", defaultValue = "12")
  int settleSeconds;

  private final PrintStream progress;

  Bench(PrintStream progress) {
    this.progress = progress;
  }

  public static void main(String[] args) {
    System.exit(execute(System.out, args));
  }

  /** Runs the benchmark with command-line arguments; returns the exit code. */
  public static int execute(PrintStream progress, String... args) {
    CommandLine cli = new CommandLine(new Bench(progress));
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      e.printStackTrace(commandLine.getErr());
      commandLine.getErr().println("bench: " + e);
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    Path repoDir = repo.toAbsolutePath().normalize();
    Path outDir = out != null ? out : repoDir.resolve("bench-results");
    BenchNode node = BenchNode.describe(repoDir, nodeDir.toAbsolutePath());
    NodeCommands commands = NodeCommands.inNode(node.mountNamespacePid(), node.workDir());
    try (SandboxdPods pods = new SandboxdPods(node.sandboxdSocket());
        SandboxdPods other = compareSandboxd == null ? null : new SandboxdPods(compareSandboxd)) {
      Optional<SandboxdPods> compared = Optional.ofNullable(other);
      List<SandboxdPods> sandboxds = other == null ? List.of(pods) : List.of(pods, other);
      CtrBaseline ctr = new CtrBaseline(node, commands, PauseImage.embeddedReference());
      RuncBaseline runc = new RuncBaseline(node, commands);
      if (only == Section.cni && !node.podNetwork()) {
        throw new IllegalStateException("--only cni needs a node with a pod network: hack/up (or hack/node up --netns)");
      }
      ThroughputSuite throughput = new ThroughputSuite(pods, node.sandboxdPid());
      OverheadSuite overhead = new OverheadSuite(node, commands, throughput, pods, progress);
      cleanUp(sandboxds, ctr, runc);
      for (SandboxdPods each : sandboxds) {
        if (!each.list().isEmpty()) {
          throw new IllegalStateException("a sandboxd runs " + each.list().size()
              + " pods; the benchmark needs sandboxds without pods (hack/down, then hack/up)");
        }
      }
      runc.prepare();
      Machine machine = Machine.describe(node, commands, ctr, runc);
      String loadAtStart = ProcStats.loadAverage();
      if (Double.parseDouble(loadAtStart.split(" ")[0]) > 0.5) {
        progress.println("warning: load average " + loadAtStart + ": other work on this machine skews the figures");
      }
      OverheadSuite.SandboxdFootprint atStart = overhead.sandboxd(0);
      Map<String, LatencyStats> latency;
      List<ThroughputSuite.Result> rates = new ArrayList<>();
      OverheadSuite.Result footprint = null;
      try {
        latency = new LatencySuite(pods, compared, ctr, runc, progress).run(runs, warmup, node.podNetwork(), only == Section.cni);
        if (only == null) {
          for (int c : concurrency) {
            rates.add(throughput.run(throughputPods, c));
            progress.printf("throughput: concurrency %d: %s%n", c, rates.get(rates.size() - 1));
          }
          footprint = overhead.run(overheadPods, settleSeconds, idleSeconds);
        }
      } finally {
        cleanUp(sandboxds, ctr, runc);
      }
      Map<String, Double> ratios = Targets.ratios(latency, rates);
      Report report = new Report(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), machine, loadAtStart,
          ProcStats.loadAverage(),
          new Report.Plan(runs, warmup, throughputPods, concurrency, overheadPods, idleSeconds, METHOD),
          latency, rates, atStart, footprint, ratios, Targets.check(ratios, rates, footprint));
      ReportWriter.write(report, outDir);
      progress.println(ReportWriter.markdown(report));
      progress.println("wrote " + outDir.resolve(ReportWriter.JSON_FILE) + " and " + outDir.resolve(ReportWriter.MARKDOWN_FILE));
    }
    return 0;
  }

  /** Removes whatever an interrupted run left: bench pods (of both sandboxds), ctr containers, runc containers. */
  private static void cleanUp(List<SandboxdPods> sandboxds, CtrBaseline ctr, RuncBaseline runc) throws Exception {
    for (SandboxdPods each : sandboxds) {
      for (Pod pod : each.list()) {
        if (pod.getMetadata().getNamespace().equals(BenchPods.NAMESPACE)) {
          each.removeForce(pod);
        }
      }
    }
    ctr.removeLeftovers(LatencySuite.CTR_PREFIX);
    runc.removeLeftovers();
  }
}
