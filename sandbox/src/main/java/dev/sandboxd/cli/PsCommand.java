package dev.sandboxd.cli;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "ps", description = "Lists pods.")
final class PsCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Option(names = {"-o", "--output"}, description = "wide: also the pod's IP, as kubectl get pods -o wide")
  String output;

  @Override
  public Integer call() {
    List<Pod> pods = root.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList().stream()
        .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getNamespace()).thenComparing(p -> p.getMetadata().getName()))
        .toList();
    if (output != null && !output.equals("wide")) {
      throw new ParameterException(spec.commandLine(), "-o/--output: only \"wide\" is supported, not \"" + output + "\"");
    }
    boolean wide = "wide".equals(output);
    PrintWriter out = spec.commandLine().getOut();
    String format = "%-12s %-24s %-10s %-7s %-9s %-14s %s" + (wide ? " %s" : "") + "%n";
    out.printf(format, "NAMESPACE", "NAME", "PHASE", "READY", "RESTARTS", "SANDBOX", "AGE", "IP");
    for (Pod pod : pods) {
      List<ContainerStatus> containers = pod.getStatus().getContainerStatusesList();
      long ready = containers.stream().filter(ContainerStatus::getReady).count();
      int restarts = containers.stream().mapToInt(ContainerStatus::getRestartCount).sum();
      out.printf(format,
          pod.getMetadata().getNamespace(),
          pod.getMetadata().getName(),
          pod.getStatus().getPhase(),
          ready + "/" + containers.size(),
          restarts,
          shortId(pod.getStatus().getSandbox().getId()),
          age(pod.getMetadata().getCreationTimestamp().getSeconds()),
          pod.getStatus().getPodIp().isEmpty() ? "<none>" : pod.getStatus().getPodIp());
    }
    return 0;
  }

  static String shortId(String id) {
    return id.length() > 13 ? id.substring(0, 13) : id;
  }

  static String age(long createdEpochSeconds) {
    Duration age = Duration.between(Instant.ofEpochSecond(createdEpochSeconds), Instant.now());
    if (age.toDays() > 0) {
      return age.toDays() + "d";
    }
    if (age.toHours() > 0) {
      return age.toHours() + "h";
    }
    if (age.toMinutes() > 0) {
      return age.toMinutes() + "m";
    }
    return Math.max(0, age.getSeconds()) + "s";
  }
}
