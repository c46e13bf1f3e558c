package dev.sandboxd.soak;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.bench.BenchNode;
import dev.sandboxd.bench.NodeCommands;
import dev.sandboxd.bench.SandboxdPods;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The soak: churns pods on a running node for a set time through sandboxd's public API and
 * sandboxctl, kills sandboxd with SIGKILL now and then and starts it again, and compares a
 * census of the node at the start and at the end. Exit code 1 on a leak or a failed step.
 * hack/soak starts a node for it; SoakE2E runs it for 3 minutes.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Churns pods on a running node and fails if the node leaks.")
public final class Soak implements Callable<Integer> {
  @Option(names = "--repo", description = "the sandboxd checkout (default: the working directory)", defaultValue = ".")
  Path repo;

  @Option(names = "--node-dir", required = true, description = "the node's directory")
  Path nodeDir;

  @Option(names = "--minutes", required = true, description = "how long to churn pods")
  double minutes;

  @Option(names = "--pods", description = "pods alive at once (default ${DEFAULT-VALUE})", defaultValue = "2")
  int podsAtOnce;

  @Option(names = "--kill-every-seconds", description = "SIGKILL sandboxd this often, never in the last third of the "
      + "run, so the end census is of a sandboxd that has churned a while (default ${DEFAULT-VALUE}; 0: never)",
      defaultValue = "60")
  int killEverySeconds;

  @Option(names = "--settle-seconds", description = "wait after the last pod is removed, before the end census "
      + "(default ${DEFAULT-VALUE})", defaultValue = "15")
  int settleSeconds;

  @Option(names = "--thread-tolerance", description = "allowed growth of sandboxd's threads (default ${DEFAULT-VALUE})",
      defaultValue = "10")
  long threadTolerance;

  @Option(names = "--fd-tolerance", description = "allowed growth of sandboxd's open fds (default ${DEFAULT-VALUE})",
      defaultValue = "20")
  long fdTolerance;

  @Option(names = "--sandboxd-flag", description = "a flag sandboxd was started with; given again when it is restarted")
  List<String> sandboxdFlags = new ArrayList<>();

  // A bound on the churn however fast cycles are, besides the time.
  private static final int MAX_CYCLES = 100_000;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final PrintStream progress;
  private BenchNode node;
  private NodeCommands commands;
  private SandboxdPods pods;

  Soak(PrintStream progress) {
    this.progress = progress;
  }

  public static void main(String[] args) {
    System.exit(execute(System.out, args));
  }

  /** Runs the soak with command-line arguments; returns the exit code (0: no leak, no failure). */
  public static int execute(PrintStream progress, String... args) {
    CommandLine cli = new CommandLine(new Soak(progress));
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      e.printStackTrace(commandLine.getErr());
      commandLine.getErr().println("soak: " + e);
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    node = BenchNode.describe(repo.toAbsolutePath().normalize(), nodeDir.toAbsolutePath());
    commands = NodeCommands.inNode(node.mountNamespacePid(), node.workDir());
    pods = new SandboxdPods(node.sandboxdSocket());
    List<String> failures = new ArrayList<>();
    NodeCensus start;
    NodeCensus end;
    int cycles = 0;
    int kills = 0;
    try {
      // One cycle first, so pools sandboxd fills on first use count in the start census.
      removeAll();
      Deque<Pod> alive = new ArrayDeque<>();
      cycle("soak-warmup", alive);
      removeAll();
      alive.clear();
      sleep(Duration.ofSeconds(settleSeconds));
      start = NodeCensus.take(node, commands);
      progress.println("start: " + start.counts());

      long began = System.nanoTime();
      long length = (long) (minutes * 60e9);
      long nextKill = killEverySeconds > 0 ? TimeUnit.SECONDS.toNanos(killEverySeconds) : Long.MAX_VALUE;
      while (System.nanoTime() - began < length && cycles < MAX_CYCLES && failures.size() < 3) {
        long elapsed = System.nanoTime() - began;
        try {
          if (elapsed >= nextKill && elapsed < length * 2 / 3) {
            killAndRestart(alive);
            kills++;
            nextKill += TimeUnit.SECONDS.toNanos(killEverySeconds);
          }
          cycle("soak-" + cycles, alive);
          while (alive.size() > podsAtOnce) {
            pods.stopAndRemove(alive.removeFirst(), Optional.empty());
          }
        } catch (Exception e) {
          failures.add("cycle " + cycles + ": " + e);
          progress.println("failure in cycle " + cycles + ": " + e);
        }
        cycles++;
        if (cycles % 10 == 0) {
          progress.printf("%d cycles, %d kills, %.0f s%n", cycles, kills, (System.nanoTime() - began) / 1e9);
        }
      }
      removeAll();
      sleep(Duration.ofSeconds(settleSeconds));
      end = NodeCensus.take(node, commands);
    } finally {
      pods.close();
    }
    List<String> leaks = end.leaksSince(start, new NodeCensus.Tolerance(threadTolerance, fdTolerance));
    progress.printf("soak: %d cycles (a pod run, exec'd, its logs read, stopped and removed each; %d alive at once), "
        + "%d kills of sandboxd, %.1f minutes%n%n", cycles, podsAtOnce, kills, minutes);
    progress.print(NodeCensus.table(start, end));
    progress.println();
    failures.forEach(f -> progress.println("FAILED: " + f));
    leaks.forEach(l -> progress.println("LEAK: " + l));
    if (failures.isEmpty() && leaks.isEmpty()) {
      progress.println("soak: no leak (threads within +" + threadTolerance + ", fds within +" + fdTolerance + ")");
      return 0;
    }
    return 1;
  }

  /** Runs a pod; checks exec, logs and a restart of the crashing container; keeps it running. */
  private void cycle(String name, Deque<Pod> alive) throws Exception {
    Pod pod = pods.run(SoakPods.manifest(name));
    alive.addLast(pod);
    pod = waitFor(pod, p -> restarts(p, SoakPods.CRASHER) >= 1 && running(p, SoakPods.LOGGER));
    String ref = SoakPods.NAMESPACE + "/" + name;
    String out = sandboxctl("exec", ref, SoakPods.LOGGER, "--", "echo", "exec-" + name);
    if (!out.equals("exec-" + name + "\n")) {
      throw new IllegalStateException("exec in " + ref + " printed " + out);
    }
    String logs = sandboxctl("logs", ref, SoakPods.LOGGER);
    if (!logs.startsWith(SoakPods.LOG_LINE + "0\n")) {
      throw new IllegalStateException("logs of " + ref + " start with " + logs.lines().findFirst().orElse("nothing"));
    }
  }

  /** SIGKILL to sandboxd while pods run, then the same sandboxd again; the running pods must be back. */
  private void killAndRestart(Deque<Pod> alive) throws Exception {
    long pid = Long.parseLong(java.nio.file.Files.readString(node.dir().resolve("sandboxd.pid")).trim());
    ProcessHandle sandboxd = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("sandboxd is not running"));
    sandboxd.destroyForcibly();
    sandboxd.onExit().get(30, TimeUnit.SECONDS);
    List<String> start = new ArrayList<>(List.of(node.repo().resolve("hack/node").toString(), "start-sandboxd",
        "--dir", node.dir().toString()));
    if (!sandboxdFlags.isEmpty()) {
      start.add("--");
      start.addAll(sandboxdFlags);
    }
    NodeCommands.host(node.workDir()).checked(start);
    // A new channel: the old one backs off its reconnects after the socket went away.
    pods.close();
    pods = new SandboxdPods(node.sandboxdSocket());
    for (Pod pod : alive) {
      waitFor(pod, p -> running(p, SoakPods.LOGGER));
    }
    progress.println("killed sandboxd " + pid + " and started it again; " + alive.size() + " pods came back");
  }

  private void removeAll() throws Exception {
    for (Pod pod : pods.list()) {
      if (pod.getMetadata().getNamespace().equals(SoakPods.NAMESPACE)) {
        pods.stopAndRemove(pod, Optional.empty());
      }
    }
  }

  private Pod waitFor(Pod pod, Predicate<Pod> condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Pod current = pods.inspect(pod);
    while (!condition.test(current)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("pod " + pod.getMetadata().getName() + " not as expected within " + WAIT
            + ": " + current.getStatus());
      }
      Thread.sleep(100);
      current = pods.inspect(pod);
    }
    return current;
  }

  private static int restarts(Pod pod, String container) {
    return status(pod, container).map(ContainerStatus::getRestartCount).orElse(0);
  }

  private static boolean running(Pod pod, String container) {
    return status(pod, container).map(c -> c.getState().hasRunning()).orElse(false);
  }

  private static Optional<ContainerStatus> status(Pod pod, String container) {
    return pod.getStatus().getContainerStatusesList().stream().filter(c -> c.getName().equals(container)).findFirst();
  }

  /** hack/sandboxctl, as an operator runs it; its stdout, or an exception with its stderr. */
  private String sandboxctl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(node.repo().resolve("hack/sandboxctl").toString(),
        "--address", node.sandboxdSocket().toString()));
    command.addAll(List.of(args));
    NodeCommands.Result r = NodeCommands.host(node.workDir()).run(command);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("sandboxctl " + String.join(" ", args) + " exited " + r.exitCode() + ": "
          + r.stderr().strip());
    }
    return r.stdout();
  }

  private static void sleep(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }
}
