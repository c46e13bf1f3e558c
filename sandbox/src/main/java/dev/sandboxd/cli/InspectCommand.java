package dev.sandboxd.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.InspectPodRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodRef;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", description = "Shows one pod: its spec and status.")
final class InspectCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD", description = "name, namespace/name, or sandbox id")
  String pod;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text, wide (adds each container's pid, start time, log and cgroup), json or yaml (Kubernetes' Pod shape)")
  OutputFormat format;

  @Override
  public Integer call() throws InvalidProtocolBufferException {
    Pod result = root.pods()
        .inspectPod(InspectPodRequest.newBuilder().setPod(PodRef.newBuilder().setRef(pod)).build())
        .getPod();
    PrintWriter out = spec.commandLine().getOut();
    if (format.isDocument()) {
      out.println(PodJsonRenderer.render(result, format));
      return 0;
    }
    var status = result.getStatus();
    out.printf("Name:        %s%n", result.getMetadata().getName());
    out.printf("Namespace:   %s%n", result.getMetadata().getNamespace());
    out.printf("UID:         %s%n", result.getMetadata().getUid());
    out.printf("Source:      %s%n", status.getSource());
    out.printf("Phase:       %s%s%n", status.getPhase(), status.getFrozen() ? " (paused)" : "");
    out.printf("QoS class:   %s%n", status.getQosClass());
    out.printf("IP:          %s%n", status.getPodIp().isEmpty() ? "<none>" : status.getPodIp());
    status.getResourceWarningsList().forEach(w -> out.printf("Warning:     %s%n", w));
    out.printf("Sandbox:     %s (%s, pid %d)%n", status.getSandbox().getId(), status.getSandbox().getState(), status.getSandbox().getPid());
    out.printf("Cgroup:      %s%n", status.getSandbox().getCgroupPath());
    out.printf("Netns:       %s%n", status.getSandbox().getNetnsPath());
    if (status.getConditionsCount() > 0) {
      out.printf("Conditions:  %s%n", String.join(", ", status.getConditionsList().stream()
          .map(c -> c.getType() + "=" + c.getStatus()).toList()));
    }
    if (status.getInitContainerStatusesCount() > 0) {
      out.println("Init containers:");
      status.getInitContainerStatusesList().forEach(c -> printContainer(out, c, format));
    }
    if (!status.getMessage().isEmpty()) {
      out.printf("Message:     %s%n", status.getMessage());
    }
    out.println("Containers:");
    status.getContainerStatusesList().forEach(c -> printContainer(out, c, format));
    return 0;
  }

  private static void printContainer(PrintWriter out, ContainerStatus c, OutputFormat format) {
    out.printf("  %s:%n", c.getName());
    out.printf("    Image:     %s%n", c.getImage());
    out.printf("    ID:        %s%n", c.getContainerId());
    out.printf("    State:     %s%n", describe(c));
    if (c.hasLastState() && c.getLastState().hasTerminated()) {
      var last = c.getLastState().getTerminated();
      out.printf("    Last:      %s, exit code %d%n", last.getReason(), last.getExitCode());
    }
    out.printf("    Ready:     %s%n", c.getReady());
    out.printf("    Restarts:  %d%n", c.getRestartCount());
    if (format == OutputFormat.wide) {
      out.printf("    PID:       %d%n", c.getPid());
      if (c.getState().hasRunning()) {
        var started = c.getState().getRunning().getStartedAt();
        out.printf("    Started:   %s%n", Instant.ofEpochSecond(started.getSeconds(), started.getNanos()));
      }
      out.printf("    Log:       %s%n", c.getLogPath());
    }
  }

  static String describe(ContainerStatus c) {
    var state = c.getState();
    if (state.hasRunning()) {
      return "running (pid " + c.getPid() + ")";
    }
    if (state.hasTerminated()) {
      var t = state.getTerminated();
      return "terminated: " + t.getReason() + ", exit code " + t.getExitCode()
          + (t.getMessage().isEmpty() ? "" : " (" + t.getMessage() + ")");
    }
    if (state.hasWaiting()) {
      var w = state.getWaiting();
      return "waiting: " + w.getReason() + (w.getMessage().isEmpty() ? "" : " (" + w.getMessage() + ")");
    }
    return "unknown";
  }
}
