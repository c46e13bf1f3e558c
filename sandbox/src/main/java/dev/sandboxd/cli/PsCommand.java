package dev.sandboxd.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodView;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "ps", description = "Lists pods.")
final class PsCommand implements Callable<Integer> {
  private static final String ROW = "%-12s %-24s %-10s %-7s %-9s %-14s %-5s %-8s";
  private static final String WIDE = ROW + " %-8s %-11s %-15s %s";
  /** PodStatus.source of the pods containerd's CRI made: ps lists them from memory, without their containers. */
  private static final String SOURCE_CRI = "cri";

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;
  @Mixin WatchOptions watch;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text (SOURCE: sandboxd, or cri for containerd's CRI pods), wide (adds the full sandbox id, pause pid, QoS class, pod IP and containers), json or yaml (a v1 List of Pods)")
  OutputFormat format;

  @Override
  public Integer call() throws InvalidProtocolBufferException, InterruptedException {
    watch.check(spec);
    PrintWriter out = spec.commandLine().getOut();
    List<Pod> pods = list();
    if (format.isDocument()) {
      out.println(PodJsonRenderer.renderList(pods, format));
    } else {
      out.println(header(format));
      pods.forEach(p -> out.println(row(p, format)));
    }
    out.flush();
    if (!watch.watch) {
      return 0;
    }
    // As kubectl get -w: after the list, the pods that changed, once each time they do; a removed
    // pod shows once more, with the phase Removed.
    Map<String, Pod> shown = byUid(pods);
    while (true) {
      watch.sleep();
      Map<String, Pod> now = byUid(list());
      for (Pod pod : now.values()) {
        if (!pod.equals(shown.get(pod.getMetadata().getUid()))) {
          print(out, pod);
        }
      }
      for (Pod gone : shown.values()) {
        if (!now.containsKey(gone.getMetadata().getUid())) {
          print(out, gone.toBuilder().setStatus(gone.getStatus().toBuilder().setPhase("Removed")).build());
        }
      }
      out.flush();
      shown = now;
    }
  }

  private void print(PrintWriter out, Pod pod) throws InvalidProtocolBufferException {
    switch (format) {
      case json -> out.println(PodJsonRenderer.render(pod, format));
      case yaml -> out.println("---\n" + PodJsonRenderer.render(pod, format));
      case text, wide -> out.println(row(pod, format));
    }
  }

  /** The table needs the summary of each pod; json and yaml print the whole pod. */
  private List<Pod> list() {
    PodView view = format.isDocument() ? PodView.POD_VIEW_FULL : PodView.POD_VIEW_SUMMARY;
    return root.pods().listPods(ListPodsRequest.newBuilder().setView(view).build()).getPodsList().stream()
        .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getNamespace()).thenComparing(p -> p.getMetadata().getName()))
        .toList();
  }

  private static Map<String, Pod> byUid(List<Pod> pods) {
    Map<String, Pod> map = new LinkedHashMap<>();
    pods.forEach(p -> map.put(p.getMetadata().getUid(), p));
    return map;
  }

  static String header(OutputFormat format) {
    List<Object> columns = new ArrayList<>(List.of("NAMESPACE", "NAME", "PHASE", "READY", "RESTARTS", "SANDBOX", "AGE", "SOURCE"));
    if (format == OutputFormat.wide) {
      columns.addAll(List.of("PID", "QOS", "IP", "CONTAINERS"));
    }
    return String.format(format == OutputFormat.wide ? WIDE : ROW, columns.toArray()).stripTrailing();
  }

  static String row(Pod pod, OutputFormat format) {
    List<ContainerStatus> containers = pod.getStatus().getContainerStatusesList();
    long ready = containers.stream().filter(ContainerStatus::getReady).count();
    int restarts = containers.stream().mapToInt(ContainerStatus::getRestartCount).sum();
    String sandbox = pod.getStatus().getSandbox().getId();
    boolean cri = pod.getStatus().getSource().equals(SOURCE_CRI);
    List<Object> columns = new ArrayList<>(List.of(
        pod.getMetadata().getNamespace(),
        pod.getMetadata().getName(),
        pod.getStatus().getPhase(),
        cri ? "-" : ready + "/" + containers.size(),
        cri ? "-" : restarts,
        format == OutputFormat.wide ? sandbox : shortId(sandbox),
        age(pod.getMetadata().getCreationTimestamp().getSeconds()),
        pod.getStatus().getSource().isEmpty() ? "-" : pod.getStatus().getSource()));
    if (format == OutputFormat.wide) {
      columns.add(pod.getStatus().getSandbox().getPid());
      columns.add(pod.getStatus().getQosClass().isEmpty() ? "-" : pod.getStatus().getQosClass());
      columns.add(pod.getStatus().getPodIp().isEmpty() ? "<none>" : pod.getStatus().getPodIp());
      columns.add(containers.isEmpty() ? "-" : String.join(",", containers.stream().map(ContainerStatus::getName).toList()));
    }
    return String.format(format == OutputFormat.wide ? WIDE : ROW, columns.toArray()).stripTrailing();
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
