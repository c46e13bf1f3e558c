package dev.sandboxd.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "rm", description = "StopPodSandbox and RemovePodSandbox (CRI stops and removes the containers), then the pod's logs and volumes.")
final class CriRemoveCommand implements Callable<Integer> {
  @ParentCommand CriCommand cri;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;

  @Override
  public Integer call() throws Exception {
    return cri.withPods(pods -> {
      var sandbox = pods.find(pod);
      pods.remove(sandbox);
      spec.commandLine().getOut().printf("pod %s/%s removed (sandbox %s)%n",
          sandbox.getMetadata().getNamespace(), sandbox.getMetadata().getName(), sandbox.getId());
      return 0;
    });
  }
}
