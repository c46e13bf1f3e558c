package dev.sandboxd.cli;

import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.RemovePodRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "rm", description = "Removes a stopped pod and everything it owns.")
final class RemoveCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;

  @Option(names = {"-f", "--force"}, description = "stop the pod first if it runs") boolean force;

  @Override
  public Integer call() {
    root.pods().removePod(RemovePodRequest.newBuilder().setPod(PodRef.newBuilder().setRef(pod)).setForce(force).build());
    spec.commandLine().getOut().printf("pod %s removed%n", pod);
    return 0;
  }
}
