package dev.sandboxd.cli;

import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodView;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The pod names the completion scripts offer, one a line, in the forms POD accepts: {@code name}
 * in namespace default, {@code namespace/name} elsewhere. Hidden: it is for the scripts.
 */
@Command(name = CompletePodsCommand.NAME, hidden = true, description = "Prints pod names for shell completion.")
final class CompletePodsCommand implements Callable<Integer> {
  static final String NAME = "__complete-pods";

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    for (Pod pod : root.pods().listPods(ListPodsRequest.newBuilder().setView(PodView.POD_VIEW_SUMMARY).build()).getPodsList()) {
      String namespace = pod.getMetadata().getNamespace();
      String name = pod.getMetadata().getName();
      spec.commandLine().getOut().println(namespace.equals("default") ? name : namespace + "/" + name);
    }
    return 0;
  }
}
