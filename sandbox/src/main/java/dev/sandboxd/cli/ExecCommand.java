package dev.sandboxd.cli;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.ExecRequest;
import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.PodRef;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "exec", description = "Runs a command in a running container; exits with its exit code.")
final class ExecCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;

  @Parameters(index = "0", paramLabel = "POD") String pod;
  @Parameters(index = "1", paramLabel = "CONTAINER") String container;
  @Parameters(index = "2..*", paramLabel = "CMD", arity = "1..*", description = "the command, after --") List<String> command;

  @Option(names = "--exec-timeout", defaultValue = "0", description = "seconds before the command is killed (0: none)")
  long execTimeout;

  @Override
  public Integer call() throws IOException {
    ExecResponse response = root.pods().exec(ExecRequest.newBuilder()
        .setPod(PodRef.newBuilder().setRef(pod))
        .setContainer(container)
        .addAllCommand(command)
        .setTimeoutSeconds(execTimeout)
        .build());
    writeOutput(response.getStdout(), response.getStderr());
    return response.getExitCode();
  }

  /** The command's output on this process's own streams, byte for byte (it need not be text). */
  static void writeOutput(ByteString stdout, ByteString stderr) throws IOException {
    stdout.writeTo(System.out);
    System.out.flush();
    stderr.writeTo(System.err);
    System.err.flush();
  }
}
