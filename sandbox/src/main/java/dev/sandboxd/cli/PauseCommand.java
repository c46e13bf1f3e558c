package dev.sandboxd.cli;

import dev.sandboxd.api.v1.PausePodRequest;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.UnpausePodRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code pause} and {@code unpause}: one command in two directions, registered under both names. */
@Command
final class PauseCommand implements Callable<Integer> {
  enum Direction {
    PAUSE("pause", "Freezes every process of a pod (cgroup.freeze) until unpause.", "paused"),
    UNPAUSE("unpause", "Thaws a paused pod.", "unpaused");

    final String command;
    final String description;
    final String done;

    Direction(String command, String description, String done) {
      this.command = command;
      this.description = description;
      this.done = done;
    }
  }

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;

  private final Direction direction;

  private PauseCommand(Direction direction) {
    this.direction = direction;
  }

  /** The subcommand for one direction, named and described after it. */
  static CommandLine of(Direction direction) {
    CommandLine command = new CommandLine(new PauseCommand(direction));
    command.getCommandSpec().name(direction.command).usageMessage().description(direction.description);
    return command;
  }

  @Override
  public Integer call() {
    PodRef ref = PodRef.newBuilder().setRef(pod).build();
    switch (direction) {
      case PAUSE -> root.pods().pausePod(PausePodRequest.newBuilder().setPod(ref).build());
      case UNPAUSE -> root.pods().unpausePod(UnpausePodRequest.newBuilder().setPod(ref).build());
    }
    spec.commandLine().getOut().printf("pod %s %s%n", pod, direction.done);
    return 0;
  }
}
