package dev.sandboxd.cli;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.AttachedExecRequest;
import dev.sandboxd.api.v1.AttachedExecResponse;
import dev.sandboxd.api.v1.ExecRequest;
import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.TerminalSize;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "exec", description = "Runs a command in a running container; exits with its exit code.")
final class ExecCommand implements Callable<Integer> {
  private static final int STDIN_CHUNK_BYTES = 32 * 1024;

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;
  @Parameters(index = "1", paramLabel = "CONTAINER") String container;
  @Parameters(index = "2..*", paramLabel = "CMD", arity = "1..*", description = "the command, after --") List<String> command;

  @Option(names = "--exec-timeout", defaultValue = "0", description = "seconds before the command is killed (0: none); not with -i or -t")
  long execTimeout;

  @Option(names = {"-i", "--stdin"}, description = "pass stdin to the command, streaming its output as it comes")
  boolean stdin;

  @Option(names = {"-t", "--tty"}, description = "run the command under a terminal the size of this one (raw mode here, resizes follow)")
  boolean tty;

  LocalTerminal terminal = new SttyTerminal();

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (!stdin && !tty) {
      return collected();
    }
    if (execTimeout != 0) {
      throw new ParameterException(spec.commandLine(), "--exec-timeout: not with -i or -t (an attached command runs until it ends)");
    }
    boolean useTty = tty;
    if (tty && !terminal.isTerminal()) {
      // As kubectl: go on without one.
      spec.commandLine().getErr().println("sandboxctl: -t: stdin is not a terminal, running the command without one");
      useTty = false;
    }
    return attached(useTty);
  }

  /** The whole output once the command ended (a script's exec). */
  private int collected() throws IOException {
    ExecResponse response = root.pods().exec(ExecRequest.newBuilder()
        .setPod(PodRef.newBuilder().setRef(pod))
        .setContainer(container)
        .addAllCommand(command)
        .setTimeoutSeconds(execTimeout)
        .build());
    writeOutput(response.getStdout(), response.getStderr());
    return response.getExitCode();
  }

  /** Streams both ways through AttachedExec until the command ends; returns its exit code. */
  private int attached(boolean useTty) throws InterruptedException {
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    OutputStream out = System.out;
    OutputStream err = System.err;
    ClientCallStreamObserver<AttachedExecRequest> requests = (ClientCallStreamObserver<AttachedExecRequest>)
        PodsGrpc.newStub(root.channel()).attachedExec(new StreamObserver<>() {
          @Override
          public void onNext(AttachedExecResponse r) {
            try {
              if (!r.getStdout().isEmpty()) {
                r.getStdout().writeTo(out);
                out.flush();
              }
              if (!r.getStderr().isEmpty()) {
                r.getStderr().writeTo(err);
                err.flush();
              }
            } catch (IOException e) {
              exit.completeExceptionally(e);
            }
            if (r.hasExitCode()) {
              exit.complete(r.getExitCode());
            }
          }

          @Override
          public void onError(Throwable t) {
            exit.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            exit.completeExceptionally(new IllegalStateException("the exec ended without an exit code"));
          }
        });
    Sender sender = new Sender(requests, exit);
    AttachedExecRequest.Builder first = AttachedExecRequest.newBuilder()
        .setPod(PodRef.newBuilder().setRef(pod))
        .setContainer(container)
        .addAllCommand(command)
        .setStdin(stdin)
        .setTty(useTty);
    if (useTty) {
      first.setSize(size(terminal.size()));
      terminal.onResize(() -> sender.send(AttachedExecRequest.newBuilder().setSize(size(terminal.size())).build()));
    }
    sender.send(first.build());
    try (LocalTerminal.Restore restore = useTty ? terminal.raw() : () -> {}) {
      if (stdin) {
        Thread reader = new Thread(() -> forwardStdin(System.in, sender), "stdin");
        reader.setDaemon(true); // blocked in read() when the command ends: dies with the process
        reader.start();
      }
      return exit.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } finally {
      requests.cancel("sandboxctl is done", null);
    }
  }

  private static void forwardStdin(InputStream in, Sender sender) {
    byte[] buffer = new byte[STDIN_CHUNK_BYTES];
    try {
      int n;
      while ((n = in.read(buffer)) > 0) {
        sender.send(AttachedExecRequest.newBuilder().setStdinData(ByteString.copyFrom(buffer, 0, n)).build());
      }
    } catch (IOException e) {
      // stdin is gone: end of input, as at EOF
    }
    sender.send(AttachedExecRequest.newBuilder().setStdinClosed(true).build());
  }

  private static TerminalSize size(LocalTerminal.Size size) {
    return TerminalSize.newBuilder().setWidth(size.width()).setHeight(size.height()).build();
  }

  /** Requests come from the stdin reader and the resize handler: one at a time, as the client wants them. */
  private static final class Sender {
    private static final long READY_POLL_MILLIS = 10;
    private final ClientCallStreamObserver<AttachedExecRequest> requests;
    private final CompletableFuture<?> ended;

    Sender(ClientCallStreamObserver<AttachedExecRequest> requests, CompletableFuture<?> ended) {
      this.requests = requests;
      this.ended = ended;
    }

    synchronized void send(AttachedExecRequest request) {
      try {
        // Flow control: piped stdin must not pile up in memory while the command reads slowly.
        while (!requests.isReady()) {
          if (ended.isDone()) {
            return;
          }
          wait(READY_POLL_MILLIS);
        }
        requests.onNext(request);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        // The call ended (cancelled): nothing more to send.
      }
    }
  }

  /** The command's output on this process's own streams, byte for byte (it need not be text). */
  static void writeOutput(ByteString stdout, ByteString stderr) throws IOException {
    stdout.writeTo(System.out);
    System.out.flush();
    stderr.writeTo(System.err);
    System.err.flush();
  }
}
