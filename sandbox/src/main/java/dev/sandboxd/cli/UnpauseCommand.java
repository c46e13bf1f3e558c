package dev.sandboxd.cli;

import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.UnpausePodRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "unpause", description = "Thaws a paused pod.")
final class UnpauseCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;

  @Override
  public Integer call() {
    root.pods().unpausePod(UnpausePodRequest.newBuilder().setPod(PodRef.newBuilder().setRef(pod)).build());
    spec.commandLine().getOut().printf("pod %s unpaused%n", pod);
    return 0;
  }
}
