package dev.sandboxd.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "exec", description = "Runs a command in a container of a CRI pod (ExecSync); exits with its exit code.")
final class CriExecCommand implements Callable<Integer> {
  @ParentCommand CriCommand cri;

  @Parameters(index = "0", paramLabel = "POD") String pod;
  @Parameters(index = "1", paramLabel = "CONTAINER") String container;
  @Parameters(index = "2..*", paramLabel = "CMD", arity = "1..*", description = "the command, after --") List<String> command;

  @Option(names = "--exec-timeout", defaultValue = "0", description = "seconds before the command is killed (0: none)")
  long execTimeout;

  @Override
  public Integer call() throws Exception {
    return cri.withPods(pods -> {
      var response = pods.exec(pods.container(pods.find(pod), container).getId(), command, execTimeout);
      ExecCommand.writeOutput(response.getStdout(), response.getStderr());
      return response.getExitCode();
    });
  }
}
