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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "stats", description = "Shows CPU, memory and pids usage of pods and their containers, from their cgroups.")
final class StatsCommand implements Callable<Integer> {
  private static final String ROW = "%-40s %12s %12s %12s %8s";
  private static final String WIDE = ROW + " %12s %12s %10s %14s  %s";

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "POD", description = "one pod (default: all)")
  String pod;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text, wide (adds user and system CPU, throttling and cgroup paths), json or yaml")
  OutputFormat format;

  @Mixin WatchOptions watch;

  @Override
  public Integer call() throws InvalidProtocolBufferException, InterruptedException {
    watch.check(spec);
    StatsRequest.Builder request = StatsRequest.newBuilder();
    if (pod != null) {
      request.setPod(PodRef.newBuilder().setRef(pod));
    }
    PrintWriter out = spec.commandLine().getOut();
    // With --watch, the whole answer again every interval: usage changes all the time.
    for (boolean first = true; first || watch.watch; first = false) {
      if (!first) {
        watch.sleep();
        out.println(format == OutputFormat.yaml ? "---" : "");
      }
      print(out, root.pods().stats(request.build()));
      out.flush();
    }
    return 0;
  }

  private void print(PrintWriter out, StatsResponse stats) throws InvalidProtocolBufferException {
    if (format.isDocument()) {
      out.println(PodJsonRenderer.render(stats, format));
      return;
    }
    String row = format == OutputFormat.wide ? WIDE : ROW;
    out.println(String.format(row, "POD / CONTAINER", "CPU (s)", "MEMORY", "PEAK", "PIDS",
        "USER (s)", "SYSTEM (s)", "THROTTLED", "THROTTLED (s)", "CGROUP").stripTrailing());
    for (PodStats p : stats.getPodsList().stream()
        .sorted(Comparator.comparing(PodStats::getNamespace).thenComparing(PodStats::getName)).toList()) {
      // containerd's CRI pods are marked; sandboxd's own are the plain rows
      String name = p.getNamespace() + "/" + p.getName() + (p.getSource().equals("cri") ? " (cri)" : "");
      out.println(row(row, name, p.getUsage(), p.getCgroupPath()));
      for (ContainerStats c : p.getContainersList()) {
        out.println(row(row, "  " + c.getName(), c.getUsage(), c.getCgroupPath()));
      }
    }
  }

  /** One row; ROW ignores the wide columns. A value whose cgroup file is missing is "-". */
  static String row(String format, String name, ResourceUsage u, String cgroup) {
    return String.format(format, name,
        u.hasCpuUsageUsec() ? seconds(u.getCpuUsageUsec()) : "-",
        u.hasMemoryCurrentBytes() ? bytes(u.getMemoryCurrentBytes()) : "-",
        u.hasMemoryPeakBytes() ? bytes(u.getMemoryPeakBytes()) : "-",
        u.hasPidsCurrent() ? Long.toString(u.getPidsCurrent()) : "-",
        u.hasCpuUserUsec() ? seconds(u.getCpuUserUsec()) : "-",
        u.hasCpuSystemUsec() ? seconds(u.getCpuSystemUsec()) : "-",
        u.hasCpuNrThrottled() ? Long.toString(u.getCpuNrThrottled()) : "-",
        u.hasCpuThrottledUsec() ? seconds(u.getCpuThrottledUsec()) : "-",
        cgroup).stripTrailing();
  }

  private static String seconds(long usec) {
    return String.format("%.3f", usec / 1e6);
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
