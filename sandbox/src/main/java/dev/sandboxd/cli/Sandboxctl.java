package dev.sandboxd.cli;

import dev.sandboxd.api.v1.ImagesGrpc;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.containerd.UnixSocketChannels;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** sandboxctl: the operator's command line for a sandboxd on this node. */
@Command(
    name = "sandboxctl",
    mixinStandardHelpOptions = true,
    version = "sandboxctl 0.1.0",
    description = "Runs and inspects pods on a sandboxd node.")
public final class Sandboxctl {
  static final String DEFAULT_ADDRESS = "/run/sandboxd/sandboxd.sock";
  /** Answers up to this size (ps -o json of many pods, logs). */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

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

  private CliChannel channel;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command; returns the process exit code. Errors are one line on err. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Sandboxctl root = new Sandboxctl();
    CommandLine cli = commandLine(root, args);
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
   * The subcommands' names, in the order help lists them; {@link #newCommand} makes one only when
   * wanted: picocli reflects over every command it is given, which was the largest part of the
   * CLI's start-up. (A switch rather than a map of constructor references: linking sixteen of those
   * cost a run more than the switch.)
   */
  private static final List<String> COMMANDS = List.of("run", "ps", "inspect", "logs", "exec", "port-forward", "stop",
      "rm", "stats", "pause", "unpause", "image", "events", "cri", "completion", CompletePodsCommand.NAME);

  private static Object newCommand(String name) {
    return switch (name) {
      case "run" -> new RunCommand();
      case "ps" -> new PsCommand();
      case "inspect" -> new InspectCommand();
      case "logs" -> new LogsCommand();
      case "exec" -> new ExecCommand();
      case "port-forward" -> new PortForwardCommand();
      case "stop" -> new StopCommand();
      case "rm" -> new RemoveCommand();
      case "stats" -> new StatsCommand();
      // pause and unpause are one class under two names
      case "pause" -> PauseCommand.of(PauseCommand.Direction.PAUSE);
      case "unpause" -> PauseCommand.of(PauseCommand.Direction.UNPAUSE);
      case "image" -> new ImageCommand();
      case "events" -> new EventsCommand();
      case "cri" -> new CriCommand();
      case "completion" -> new CompletionCommand();
      case CompletePodsCommand.NAME -> new CompletePodsCommand();
      default -> throw new IllegalArgumentException("no command " + name);
    };
  }

  /** The whole command tree (help, completion scripts, man pages). */
  static CommandLine commandLine(Sandboxctl root) {
    return commandLine(root, Optional.empty());
  }

  /**
   * The tree for one command line: only the subcommand it names, when it names one; all of them
   * otherwise, so that help, and picocli's errors for unknown commands, see every one.
   */
  static CommandLine commandLine(Sandboxctl root, String[] args) {
    return commandLine(root, Optional.of(args));
  }

  private static CommandLine commandLine(Sandboxctl root, Optional<String[]> args) {
    CommandLine cli = new CommandLine(root);
    Optional<String> named = args.flatMap(a -> subcommandName(cli.getCommandSpec(), a)).filter(COMMANDS::contains);
    for (String name : COMMANDS) {
      if (named.isEmpty() || named.get().equals(name)) {
        cli.addSubcommand(name, newCommand(name));
      }
    }
    return cli;
  }

  /** The first word that is neither one of the root's options nor an option's value. */
  static Optional<String> subcommandName(CommandSpec rootSpec, String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--")) {
        return Optional.empty();
      }
      if (!arg.startsWith("-")) {
        return Optional.of(arg);
      }
      OptionSpec option = rootSpec.findOption(arg);
      if (option != null && option.arity().max() > 0) {
        i++; // its value (the --name=value form is one word)
      }
    }
    return Optional.empty();
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
        return "cannot reach sandboxd at " + socket + ": " + describe(status)
            + " (is sandboxd running? set --address or SANDBOXD_ADDRESS)";
      }
      return describe(status);
    }
    return firstLine(e.getMessage() != null ? e.getMessage() : e.toString());
  }

  private static String describe(Status status) {
    return status.getDescription() != null ? firstLine(status.getDescription()) : status.getCode().name();
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

  synchronized Channel channel() {
    if (channel == null) {
      Path socket = socket();
      channel = new CliChannel(socket, MAX_INBOUND_MESSAGE_BYTES, () -> {
        NettyLogging.useOneLogger(); // Netty's first class comes with the stream channel, not at start-up
        return UnixSocketChannels.open(socket, "sandboxctl", MAX_INBOUND_MESSAGE_BYTES);
      });
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
      channel.close();
    }
  }
}
