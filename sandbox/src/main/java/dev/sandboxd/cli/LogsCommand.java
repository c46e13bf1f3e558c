package dev.sandboxd.cli;

import dev.sandboxd.api.v1.LogChunk;
import dev.sandboxd.api.v1.LogsRequest;
import dev.sandboxd.api.v1.PodRef;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "logs", description = "Prints a container's output (stdout and stderr).")
final class LogsCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;

  @Parameters(index = "0", paramLabel = "POD") String pod;
  @Parameters(index = "1", paramLabel = "CONTAINER") String container;

  @Option(names = {"-f", "--follow"}, description = "keep printing new output") boolean follow;

  @Override
  public Integer call() throws IOException {
    LogsRequest request = LogsRequest.newBuilder()
        .setPod(PodRef.newBuilder().setRef(pod))
        .setContainer(container)
        .setFollow(follow)
        .build();
    Iterator<LogChunk> chunks = follow ? root.podsWithoutDeadline().logs(request) : root.pods().logs(request);
    while (chunks.hasNext()) {
      chunks.next().getData().writeTo(System.out);
      System.out.flush();
    }
    return 0;
  }
}
