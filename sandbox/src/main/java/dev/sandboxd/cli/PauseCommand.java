package dev.sandboxd.cli;

import dev.sandboxd.api.v1.PausePodRequest;
import dev.sandboxd.api.v1.PodRef;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "pause", description = "Freezes every process of a pod (cgroup.freeze) until unpause.")
final class PauseCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;

  @Override
  public Integer call() {
    root.pods().pausePod(PausePodRequest.newBuilder().setPod(PodRef.newBuilder().setRef(pod)).build());
    spec.commandLine().getOut().printf("pod %s paused%n", pod);
    return 0;
  }
}
