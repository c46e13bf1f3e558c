package dev.sandboxd.bench;

import dev.sandboxd.containerd.UnixSocketChannels;
import dev.sandboxd.cri.CriPodConfigs;
import dev.sandboxd.cri.CriPodFiles;
import dev.sandboxd.cri.CriPodPlan;
import dev.sandboxd.cri.CriPods;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * CRI pod start latency through runtime handler "sandboxd" (sandboxd's sandbox controller)
 * against containerd's built-in podsandbox controller (the default runc handler), on one --cri
 * node, interleaved. Writes cri-latest.json and cri-latest.md beside hack/bench's report.
 */
@Command(name = "bench-cri", mixinStandardHelpOptions = true,
    description = "RunPodSandbox + CreateContainer + StartContainer through handler sandboxd vs containerd's podsandbox.")
public final class CriBench implements Callable<Integer> {
  static final String SANDBOXD = "sandboxd";
  /** How the report names containerd's default handler (the empty runtime_handler). */
  static final String DEFAULT = "default";
  static final String NAMESPACE = "bench-cri";
  static final String JSON_FILE = "cri-latest.json";
  static final String MARKDOWN_FILE = "cri-latest.md";
  static final String METHOD = "One CRI pod at a time on one hack/node --cri node: the time from RunPodSandbox "
      + "(runtime_handler sandboxd, or empty for containerd's default runc handler, whose sandboxer is the built-in "
      + "podsandbox) through CreateContainer and StartContainer of one busybox container (sleep), as kubelet makes "
      + "the calls, from a client on the node (gRPC over containerd's socket, no CLI start-up). Both handlers get the "
      + "same pod, CNI network (bridge + host-local), image and pause image; StopPodSandbox + RemovePodSandbox "
      + "afterwards are not timed. Each iteration runs both handlers, the first one alternating. Percentiles "
      + "interpolate between ranks.";

  @Option(names = "--repo", defaultValue = ".", description = "the sandboxd checkout (default: the working directory)")
  Path repo;

  @Option(names = "--node-dir", defaultValue = "/run/sandboxd-node", description = "the --cri node's directory (default ${DEFAULT-VALUE})")
  Path nodeDir;

  @Option(names = "--out", description = "where cri-latest.json and cri-latest.md go (default: <repo>/bench-results)")
  Path out;

  @Option(names = "--runs", defaultValue = "100", description = "measured runs per handler (default ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--warmup", defaultValue = "5", description = "unmeasured runs per handler first (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--handlers", split = ",", defaultValue = "sandboxd,default",
      description = "handlers to measure (default ${DEFAULT-VALUE}); 'default' alone measures the baseline only")
  List<String> handlers;

  private final PrintStream progress;

  CriBench(PrintStream progress) {
    this.progress = progress;
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new CriBench(System.out));
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      e.printStackTrace(commandLine.getErr());
      return 1;
    });
    System.exit(cli.execute(args));
  }

  /** One handler's distribution, and the ratios sandboxd / default when both were measured. */
  record Result(String generatedAt, String runtime, String loadAverageAtStart, String loadAverageAtEnd, int runs,
      int warmup, String method, Map<String, LatencyStats> latency, Map<String, Double> ratios,
      Map<String, Map<String, LatencyStats>> steps) {}

  @Override
  public Integer call() throws Exception {
    Path repoDir = repo.toAbsolutePath().normalize();
    Path outDir = out != null ? out : repoDir.resolve("bench-results");
    Path node = nodeDir.toAbsolutePath();
    if (!Files.exists(node.resolve("cri"))) {
      throw new IllegalStateException(node + " is not a --cri node (hack/node up --cri, or hack/up --cri)");
    }
    ManagedChannel channel = UnixSocketChannels.open(node.resolve("containerd.sock"), "bench-cri", 16 << 20);
    try {
      Map<String, CallTimes> calls = new LinkedHashMap<>();
      Map<String, CriPods> clients = new LinkedHashMap<>();
      for (String h : handlers) {
        calls.put(h, new CallTimes());
        clients.put(h, new CriPods(ClientInterceptors.intercept(channel, calls.get(h)), Duration.ofSeconds(120),
            node.resolve("cri-pods")));
      }
      CriPods cri = clients.get(handlers.get(0));
      String runtime = cri.awaitReady(Duration.ofSeconds(30));
      removeLeftovers(cri);
      String loadAtStart = ProcStats.loadAverage();
      String cgroupParent = "/" + node.getFileName();
      Map<String, List<Long>> samples = new LinkedHashMap<>();
      handlers.forEach(h -> samples.put(h, new ArrayList<>()));
      for (int i = 0; i < warmup + runs; i++) {
        // the handler that goes first alternates, so neither always follows the other's teardown
        List<String> order = new ArrayList<>(handlers);
        java.util.Collections.rotate(order, i);
        for (String handler : order) {
          long nanos = runOnce(clients.get(handler), calls.get(handler), i >= warmup, handler, i, cgroupParent);
          if (i >= warmup) {
            samples.get(handler).add(nanos);
          }
        }
        if ((i + 1) % 10 == 0) {
          progress.printf("bench-cri: %d/%d iterations%n", i + 1, warmup + runs);
        }
      }
      Map<String, LatencyStats> latency = new LinkedHashMap<>();
      samples.forEach((h, s) -> latency.put(h, LatencyStats.of("CRI pod with one container started, handler " + h, s)));
      Map<String, Double> ratios = new LinkedHashMap<>();
      if (latency.containsKey(SANDBOXD) && latency.containsKey(DEFAULT)) {
        ratios.put("cri_sandboxd_p50_vs_podsandbox", ratio(latency.get(SANDBOXD).p50Ms(), latency.get(DEFAULT).p50Ms()));
        ratios.put("cri_sandboxd_p99_vs_podsandbox", ratio(latency.get(SANDBOXD).p99Ms(), latency.get(DEFAULT).p99Ms()));
      }
      Map<String, Map<String, LatencyStats>> steps = new LinkedHashMap<>();
      calls.forEach((h, c) -> {
        Map<String, LatencyStats> byCall = new LinkedHashMap<>();
        c.samples().forEach((call, s) -> byCall.put(call, LatencyStats.of(call + ", handler " + h, s)));
        steps.put(h, byCall);
      });
      Result result = new Result(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), runtime, loadAtStart,
          ProcStats.loadAverage(), runs, warmup, METHOD, latency, ratios, steps);
      Files.createDirectories(outDir);
      ReportWriter.JSON.writeValue(outDir.resolve(JSON_FILE).toFile(), result);
      Files.writeString(outDir.resolve(MARKDOWN_FILE), markdown(result));
      progress.println(markdown(result));
      progress.println("wrote " + outDir.resolve(JSON_FILE) + " and " + outDir.resolve(MARKDOWN_FILE));
      return 0;
    } finally {
      channel.shutdownNow();
    }
  }

  /** Starts one pod through the handler, timed (each call too when measured), and removes it, untimed. */
  private long runOnce(CriPods cri, CallTimes calls, boolean measured, String handler, int iteration,
      String cgroupParent) throws Exception {
    Pod pod = PodManifests.withRandomUids().parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s-%d, namespace: %s}
        spec:
          containers:
          - {name: app, image: localhost/sandboxd/busybox:1.35, command: [sleep, "3600"]}
        """.formatted(handler, iteration, NAMESPACE), false).pod();
    CriPodPlan plan = CriPodConfigs.plan(pod, CriPodFiles.of(cri.podRoot(), pod.metadata()), cgroupParent);
    calls.record(measured);
    long started = System.nanoTime();
    cri.run(plan, handler.equals(DEFAULT) ? "" : handler, Duration.ofSeconds(60));
    long nanos = System.nanoTime() - started;
    calls.record(false);
    cri.remove(cri.find(NAMESPACE + "/" + pod.metadata().name()));
    return nanos;
  }

  private static void removeLeftovers(CriPods cri) throws Exception {
    for (var pod : cri.list()) {
      if (pod.getMetadata().getNamespace().equals(NAMESPACE)) {
        cri.remove(pod);
      }
    }
  }

  private static double ratio(double a, double b) {
    return Math.round(a / b * 1000) / 1000.0;
  }

  static String markdown(Result r) {
    StringBuilder md = new StringBuilder();
    md.append("# sandboxd CRI benchmark, ").append(r.generatedAt()).append("\n\n");
    md.append("Runtime: ").append(r.runtime()).append(". Load average (1, 5, 15 min) at start: ")
        .append(r.loadAverageAtStart()).append("; at end: ").append(r.loadAverageAtEnd()).append(".  \n");
    md.append(r.runs()).append(" measured runs per handler after ").append(r.warmup()).append(" warm-up runs.\n\n");
    md.append(r.method()).append("\n\n");
    md.append("| handler | p50 ms | p90 ms | p99 ms | min ms | max ms | mean ms |\n|---|---:|---:|---:|---:|---:|---:|\n");
    r.latency().forEach((h, s) -> md.append("| ").append(h.equals(DEFAULT) ? "default (podsandbox)" : h).append(" | ")
        .append(s.p50Ms()).append(" | ").append(s.p90Ms()).append(" | ").append(s.p99Ms()).append(" | ")
        .append(s.minMs()).append(" | ").append(s.maxMs()).append(" | ").append(s.meanMs()).append(" |\n"));
    md.append("\nEach CRI call of the timed part, p50 / p99 ms:\n\n| handler | call | p50 ms | p99 ms |\n|---|---|---:|---:|\n");
    r.steps().forEach((h, byCall) -> byCall.forEach((call, s) -> md.append("| ")
        .append(h.equals(DEFAULT) ? "default (podsandbox)" : h).append(" | ").append(call).append(" | ")
        .append(s.p50Ms()).append(" | ").append(s.p99Ms()).append(" |\n")));
    if (!r.ratios().isEmpty()) {
      md.append("\n| target | goal | this run | met |\n|---|---|---:|---|\n");
      r.ratios().forEach((name, value) -> md.append("| `").append(name).append("` | <= 1.0x | ").append(value)
          .append(" | ").append(value <= 1.0 ? "yes" : "**no**").append(" |\n"));
    }
    return md.toString();
  }
}
