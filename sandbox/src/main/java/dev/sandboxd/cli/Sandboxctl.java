package dev.sandboxd.cli;

import dev.sandboxd.api.v1.ImagesGrpc;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.containerd.UnixSocketChannels;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** sandboxctl: the operator's command line for a sandboxd on this node. */
@Command(
    name = "sandboxctl",
    mixinStandardHelpOptions = true,
    version = "sandboxctl 0.1.0",
    description = "Runs and inspects pods on a sandboxd node.")
public final class Sandboxctl {
  static final String DEFAULT_ADDRESS = "/run/sandboxd/sandboxd.sock";

  @Option(
      names = "--address",
      description = "sandboxd's unix socket (default: $SANDBOXD_ADDRESS or " + DEFAULT_ADDRESS + ")",
      scope = CommandLine.ScopeType.INHERIT)
  String address;

  @Option(
      names = "--timeout",
      description = "seconds to wait for an answer (default ${DEFAULT-VALUE})",
      defaultValue = "300",
      scope = CommandLine.ScopeType.INHERIT)
  long timeoutSeconds;

  private ManagedChannel channel;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command; returns the process exit code. Errors are one line on err. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Sandboxctl root = new Sandboxctl();
    CommandLine cli = commandLine(root);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("sandboxctl: " + describe(e, root.socket()));
      boolean badInput = e instanceof SandboxdException.InvalidArgument
          || (e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT);
      return badInput ? 2 : 1;
    });
    try {
      return cli.execute(args);
    } finally {
      root.close();
    }
  }

  /**
   * The command tree, subcommands in the order help lists them. Registered here rather than in
   * the annotation because pause and unpause are one class under two names.
   */
  static CommandLine commandLine(Sandboxctl root) {
    CommandLine cli = new CommandLine(root);
    for (Object command : List.of(
        new RunCommand(),
        new PsCommand(),
        new InspectCommand(),
        new LogsCommand(),
        new ExecCommand(),
        new StopCommand(),
        new RemoveCommand(),
        new StatsCommand(),
        PauseCommand.of(PauseCommand.Direction.PAUSE),
        PauseCommand.of(PauseCommand.Direction.UNPAUSE),
        new ImageCommand(),
        new EventsCommand(),
        new CriCommand())) {
      cli.addSubcommand(command);
    }
    return cli;
  }

  /** One line: grpc's descriptions of connection failures can carry a stack trace. */
  static String describe(Throwable e, Path socket) {
    if (e instanceof StatusRuntimeException s) {
      Status status = s.getStatus();
      if (status.getCode() == Status.Code.UNAVAILABLE && isConnectFailure(s)) {
        if ((Files.exists(socket) && !Files.isWritable(socket)) || causedByPermission(s)) {
          return "permission denied connecting to " + socket
              + " (it is for root and the socket's group only: run as one of them)";
        }
        return "cannot reach sandboxd at " + socket + ": " + firstLine(status.getDescription())
            + " (is sandboxd running? set --address or SANDBOXD_ADDRESS)";
      }
      return status.getDescription() != null ? firstLine(status.getDescription()) : status.getCode().name();
    }
    return firstLine(e.getMessage() != null ? e.getMessage() : e.toString());
  }

  /** UNAVAILABLE made by this client's transport (the socket), not passed on by sandboxd from containerd. */
  private static boolean isConnectFailure(StatusRuntimeException e) {
    return e.getCause() != null || e.getStatus().getDescription() == null
        || !e.getStatus().getDescription().contains("containerd");
  }

  /** EACCES from connect(2), e.g. on a directory of the path the user may not search. */
  private static boolean causedByPermission(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Permission denied")) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  Path socket() {
    if (address != null && !address.isBlank()) {
      return Path.of(address);
    }
    String env = System.getenv("SANDBOXD_ADDRESS");
    return Path.of(env != null && !env.isBlank() ? env : DEFAULT_ADDRESS);
  }

  synchronized ManagedChannel channel() {
    if (channel == null) {
      channel = UnixSocketChannels.open(socket(), "sandboxctl", 64 << 20);
    }
    return channel;
  }

  PodsGrpc.PodsBlockingStub pods() {
    return PodsGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
  }

  /** For streams that may run as long as the user wants (logs -f): no deadline. */
  PodsGrpc.PodsBlockingStub podsWithoutDeadline() {
    return PodsGrpc.newBlockingStub(channel());
  }

  ImagesGrpc.ImagesStub images() {
    return ImagesGrpc.newStub(channel()).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
  }

  ImagesGrpc.ImagesBlockingStub imagesBlocking() {
    return ImagesGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
  }

  private synchronized void close() {
    if (channel != null) {
      channel.shutdownNow();
    }
  }
}
