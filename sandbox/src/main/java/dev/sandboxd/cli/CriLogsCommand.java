package dev.sandboxd.cli;

import dev.sandboxd.cri.CriLogFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "logs", description = "What a container of a CRI pod wrote, from the log file CRI keeps for it.")
final class CriLogsCommand implements Callable<Integer> {
  @ParentCommand CriCommand cri;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;
  @Parameters(index = "1", paramLabel = "CONTAINER") String container;

  @Override
  public Integer call() throws Exception {
    return cri.withPods(pods -> {
      String logPath = pods.status(pods.container(pods.find(pod), container).getId()).getLogPath();
      spec.commandLine().getOut().print(CriLogFormat.text(Files.readString(Path.of(logPath), StandardCharsets.UTF_8)));
      spec.commandLine().getOut().flush();
      return 0;
    });
  }
}
