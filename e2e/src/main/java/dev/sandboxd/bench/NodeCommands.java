package dev.sandboxd.bench;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands inside the node's mount namespace, where containerd's mounts and cgroup2 on
 * /sys/fs/cgroup are: directly when the benchmark runs there itself (hack/bench), else through
 * nsenter (the smoke test). Output goes to files, never pipes: a detached container inherits
 * runc's stdio, and a pipe it holds open would never reach end of file.
 */
public final class NodeCommands {
  private static final long TIMEOUT_SECONDS = 120;

  private final List<String> prefix;
  private final Path stdout;
  private final Path stderr;

  private NodeCommands(List<String> prefix, Path outputDir) throws IOException {
    this.prefix = prefix;
    Files.createDirectories(outputDir);
    this.stdout = outputDir.resolve("command.out");
    this.stderr = outputDir.resolve("command.err");
  }

  /** Commands on the host (where the benchmark process is), e.g. hack/node itself. */
  public static NodeCommands host(Path outputDir) throws IOException {
    return new NodeCommands(List.of(), outputDir);
  }

  public static NodeCommands inNode(long mountNamespacePid, Path outputDir) throws IOException {
    Path nodeNs = Path.of("/proc", Long.toString(mountNamespacePid), "ns", "mnt");
    boolean inside = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).equals(Files.readSymbolicLink(nodeNs));
    return new NodeCommands(inside ? List.of() : List.of("nsenter", "--mount=" + nodeNs, "--"), outputDir);
  }

  public record Result(int exitCode, String stdout, String stderr, long nanos) {}

  /** Runs the command to its end; nanos is its wall time from spawn to exit. */
  public synchronized Result run(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(prefix);
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full)
        .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    long start = System.nanoTime();
    Process process = builder.start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
    }
    long nanos = System.nanoTime() - start;
    return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
        Files.readString(stderr, StandardCharsets.UTF_8), nanos);
  }

  /** Runs the command and fails unless it exits 0. */
  public Result checked(List<String> command) throws IOException, InterruptedException {
    Result r = run(command);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + r.exitCode() + ": " + r.stderr().strip());
    }
    return r;
  }
}
