package dev.sandboxd.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import runtime.v1.Api.ContainerState;

@Command(name = "ps", aliases = "ls", description = "Lists CRI pods: namespace, name, state, handler, running containers, sandbox id, age.")
final class CriPsCommand implements Callable<Integer> {
  @ParentCommand CriCommand cri;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    return cri.withPods(pods -> {
      out.printf("%-16s %-24s %-16s %-10s %-10s %-14s %s%n", "NAMESPACE", "NAME", "STATE", "HANDLER", "RUNNING", "SANDBOX", "AGE");
      for (var pod : pods.list()) {
        var containers = pods.containers(pod.getId());
        long running = containers.stream().filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING).count();
        out.printf("%-16s %-24s %-16s %-10s %-10s %-14s %s%n",
            pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getState().name(),
            pod.getRuntimeHandler().isEmpty() ? "default" : pod.getRuntimeHandler(),
            running + "/" + containers.size(), pod.getId().substring(0, 13),
            age(Duration.between(Instant.ofEpochSecond(0, pod.getCreatedAt()), Instant.now())));
      }
      return 0;
    });
  }

  static String age(Duration d) {
    if (d.toSeconds() < 120) {
      return d.toSeconds() + "s";
    }
    return d.toMinutes() < 120 ? d.toMinutes() + "m" : d.toHours() + "h";
  }
}
