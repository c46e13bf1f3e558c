package dev.sandboxd.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sandboxd.api.v1.ContainerStats;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodStats;
import dev.sandboxd.api.v1.ResourceUsage;
import dev.sandboxd.api.v1.StatsRequest;
import dev.sandboxd.api.v1.StatsResponse;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "stats", description = "Shows CPU, memory and pids usage of pods and their containers, from their cgroups.")
final class StatsCommand implements Callable<Integer> {
  enum Format { text, json }

  private static final String ROW = "%-40s %12s %12s %12s %8s%n";

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "POD", description = "one pod (default: all)")
  String pod;

  @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text or json")
  Format format;

  @Override
  public Integer call() throws InvalidProtocolBufferException {
    StatsRequest.Builder request = StatsRequest.newBuilder();
    if (pod != null) {
      request.setPod(PodRef.newBuilder().setRef(pod));
    }
    StatsResponse stats = root.pods().stats(request.build());
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.json) {
      out.println(PodJsonRenderer.render(stats));
      return 0;
    }
    out.printf(ROW, "POD / CONTAINER", "CPU (s)", "MEMORY", "PEAK", "PIDS");
    for (PodStats p : stats.getPodsList().stream()
        .sorted(Comparator.comparing(PodStats::getNamespace).thenComparing(PodStats::getName)).toList()) {
      row(out, p.getNamespace() + "/" + p.getName(), p.getUsage());
      for (ContainerStats c : p.getContainersList()) {
        row(out, "  " + c.getName(), c.getUsage());
      }
    }
    return 0;
  }

  private static void row(PrintWriter out, String name, ResourceUsage u) {
    out.printf(ROW, name,
        u.hasCpuUsageUsec() ? String.format("%.3f", u.getCpuUsageUsec() / 1e6) : "-",
        u.hasMemoryCurrentBytes() ? bytes(u.getMemoryCurrentBytes()) : "-",
        u.hasMemoryPeakBytes() ? bytes(u.getMemoryPeakBytes()) : "-",
        u.hasPidsCurrent() ? Long.toString(u.getPidsCurrent()) : "-");
  }

  /** Binary units as Kubernetes writes them: 512Ki, 12.5Mi. */
  static String bytes(long n) {
    String[] units = {"", "Ki", "Mi", "Gi", "Ti"};
    double value = n;
    int unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return unit == 0 ? Long.toString(n) : String.format("%.1f%s", value, units[unit]);
  }
}
