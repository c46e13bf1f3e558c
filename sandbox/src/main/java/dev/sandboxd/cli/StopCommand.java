package dev.sandboxd.cli;

import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.StopPodRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "stop", description = "Stops a pod: SIGTERM, grace period, SIGKILL; the sandbox last.")
final class StopCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;

  @Option(names = "--grace-period", description = "seconds, overriding terminationGracePeriodSeconds")
  Long gracePeriod;

  @Override
  public Integer call() {
    StopPodRequest.Builder request = StopPodRequest.newBuilder().setPod(PodRef.newBuilder().setRef(pod));
    if (gracePeriod != null) {
      request.setGracePeriodSeconds(gracePeriod);
    }
    var stopped = root.pods().stopPod(request.build()).getPod();
    spec.commandLine().getOut().printf("pod %s/%s stopped (%s)%n",
        stopped.getMetadata().getNamespace(), stopped.getMetadata().getName(), stopped.getStatus().getPhase());
    return 0;
  }
}
