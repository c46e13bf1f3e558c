package dev.sandboxd.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a report as {@code latest.json} (snake_case keys) and {@code latest.md} into a folder. */
final class ReportWriter {
  static final String JSON_FILE = "latest.json";
  static final String MARKDOWN_FILE = "latest.md";

  static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .enable(SerializationFeature.INDENT_OUTPUT);

  private ReportWriter() {}

  static void write(Report report, Path dir) throws IOException {
    Files.createDirectories(dir);
    JSON.writeValue(dir.resolve(JSON_FILE).toFile(), report);
    Files.writeString(dir.resolve(MARKDOWN_FILE), markdown(report));
  }

  static String markdown(Report r) {
    StringBuilder md = new StringBuilder();
    md.append("# sandboxd benchmark, ").append(r.generatedAt()).append("\n\n");
    Machine m = r.machine();
    md.append("Machine: ").append(m.cpu()).append(", ").append(m.cores()).append(" cores, ").append(m.memoryGb())
        .append(" GB; ").append(m.os()).append(", kernel ").append(m.kernel()).append("; ").append(m.cgroups())
        .append(".  \n");
    md.append("Software: ").append(m.containerd()).append("; ").append(m.runc()).append("; sandboxd ")
        .append(m.gitCommit()).append(" on `").append(m.sandboxdJvm()).append("`; benchmark client on ")
        .append(m.benchJvm()).append(".  \n");
    md.append("Load average (1, 5, 15 min) at start: ").append(r.loadAverageAtStart()).append("; at end: ")
        .append(r.loadAverageAtEnd()).append(".\n\n");
    Report.Plan p = r.plan();
    md.append(p.method()).append("\n\n");

    md.append("## Targets\n\n| target | goal | this run | met |\n|---|---|---:|---|\n");
    for (Report.Target t : r.targets()) {
      md.append("| ").append(t.name()).append(" | ").append(t.goal()).append(" | ").append(t.value()).append(" | ")
          .append(t.met() ? "yes" : "**no**").append(" |\n");
    }

    md.append("\n## Ratios\n\n| ratio | value |\n|---|---:|\n");
    for (Map.Entry<String, Double> e : r.ratios().entrySet()) {
      md.append("| `").append(e.getKey()).append("` | ").append(e.getValue()).append(" |\n");
    }

    md.append("\n## Latency (ms), ").append(p.runs()).append(" runs each after ").append(p.warmupRuns())
        .append(" warm-up runs\n\n| scenario | p50 | p90 | p99 | max | min | mean | what is timed |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (Map.Entry<String, LatencyStats> e : r.latency().entrySet()) {
      LatencyStats s = e.getValue();
      md.append("| `").append(e.getKey()).append("` | ").append(s.p50Ms()).append(" | ").append(s.p90Ms()).append(" | ")
          .append(s.p99Ms()).append(" | ").append(s.maxMs()).append(" | ").append(s.minMs()).append(" | ")
          .append(s.meanMs()).append(" | ").append(s.description()).append(" |\n");
    }

    if (!r.throughput().isEmpty()) {
      throughput(md, r);
    }
    if (r.overhead() != null) {
      overhead(md, r);
    }
    md.append("Reproduce: `hack/up && hack/bench` (writes `bench-results/latest.json` and `latest.md`).\n");
    return md.toString();
  }

  private static void throughput(StringBuilder md, Report r) {
    Report.Plan p = r.plan();
    md.append("\n## Throughput: ").append(p.throughputPods())
        .append(" one-container pods created, then removed\n\n")
        .append("| concurrency | total (s) | pods/s | machine CPU busy (%) | sandboxd CPU (s) | client CPU (s) | errors |")
        .append(" removal (s) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (ThroughputSuite.Result t : r.throughput()) {
      md.append("| ").append(t.concurrency()).append(" | ").append(t.totalS()).append(" | ").append(t.podsPerS())
          .append(" | ").append(t.cpuBusyPercent()).append(" | ").append(t.sandboxdCpuS()).append(" | ").append(t.clientCpuS())
          .append(" | ").append(t.errors()).append(t.firstError() == null ? "" : " (" + t.firstError() + ")")
          .append(" | ").append(t.removeTotalS()).append(" |\n");
    }

  }

  private static void overhead(StringBuilder md, Report r) {
    OverheadSuite.Result o = r.overhead();
    md.append("\n## Overhead\n\nsandboxd (RSS; heap after a full GC, i.e. live data, and committed):\n\n")
        .append("| running pods | RSS (MB) | heap used (MB) | heap committed (MB) | threads |\n")
        .append("|---:|---:|---:|---:|---:|\n");
    footprintRow(md, "at start, " + r.sandboxdAtStart().pods(), r.sandboxdAtStart());
    for (OverheadSuite.SandboxdFootprint f : o.sandboxd()) {
      footprintRow(md, Integer.toString(f.pods()), f);
    }
    OverheadSuite.PodFootprint pp = o.perPod();
    md.append("\nPer pod (one busybox container; averages over ").append(pp.pods()).append(" pods): ")
        .append(pp.maxShimsPerPod()).append(" shim(s) per pod at most; shim RSS ").append(pp.shimRssMb())
        .append(" MB (PSS ").append(pp.shimPssMb()).append(" MB); pause RSS ").append(pp.pauseRssMb())
        .append(" MB (PSS ").append(pp.pausePssMb()).append(" MB).\n\n");
    md.append("Idle CPU of sandboxd with ").append(o.idlePods()).append(" pods over ").append(o.idleSeconds())
        .append(" s: ").append(o.idleCpuPercentOfOneCore()).append(" % of one core.\n\n");
  }

  private static void footprintRow(StringBuilder md, String label, OverheadSuite.SandboxdFootprint f) {
    md.append("| ").append(label).append(" | ").append(f.rssMb()).append(" | ").append(f.heapUsedMb()).append(" | ")
        .append(f.heapCommittedMb()).append(" | ").append(f.threads()).append(" |\n");
  }
}
