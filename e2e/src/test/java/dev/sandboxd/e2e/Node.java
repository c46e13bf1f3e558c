package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.api.v1.InspectPodRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.cli.Sandboxctl;
import dev.sandboxd.containerd.UnixSocketChannels;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A private node for one test class: containerd and sandboxd in their own mount namespace,
 * started and torn down with the project's own hack/node, as an operator would.
 */
final class Node implements AutoCloseable {
  static final Path REPO = Path.of(System.getProperty("sandboxd.repo", "..")).toAbsolutePath().normalize();
  static final String BUSYBOX = "localhost/sandboxd/busybox:1.35";

  final Path dir;
  final Map<String, String> env;
  private final ManagedChannel channel;

  private Node(Path dir, Map<String, String> env) {
    this.dir = dir;
    this.env = env;
    this.channel = UnixSocketChannels.open(Path.of(env.get("SANDBOXD_ADDRESS")), "e2e-client", 64 << 20);
  }

  static Node start(String name) throws IOException, InterruptedException {
    Path dir = Path.of("/run", "sandboxd-e2e-" + name + "-" + ProcessHandle.current().pid());
    Result up = Command.run(REPO.resolve("hack/node").toString(), "up", "--dir", dir.toString());
    if (up.exitCode() != 0) {
      throw new IllegalStateException("hack/node up failed: " + up.stderr() + "\n" + tail(dir.resolve("sandboxd.log")));
    }
    Map<String, String> env = new HashMap<>();
    for (String line : up.stdout().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    Node node = new Node(dir, env);
    node.importImage(REPO.resolve(".cache/images/busybox.tar"));
    return node;
  }

  PodsGrpc.PodsBlockingStub pods() {
    return PodsGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  /** Inspects the pod until the condition holds; fails with its last status after timeout. */
  Pod waitFor(String ref, Duration timeout, Predicate<Pod> condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    InspectPodRequest request = InspectPodRequest.newBuilder().setPod(PodRef.newBuilder().setRef(ref)).build();
    Pod pod = pods().inspectPod(request).getPod();
    while (!condition.test(pod)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("pod " + ref + " did not reach the expected state: " + pod.getStatus());
      }
      Thread.sleep(100);
      pod = pods().inspectPod(request).getPod();
    }
    return pod;
  }

  String sandboxdAddress() {
    return env.get("SANDBOXD_ADDRESS");
  }

  /** Imports an image archive the way an operator does: with sandboxctl. */
  void importImage(Path archive) {
    StringWriter err = new StringWriter();
    int code = Sandboxctl.run(new String[] {"--address", sandboxdAddress(), "image", "import", archive.toString()},
        new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    if (code != 0) {
      throw new IllegalStateException("sandboxctl image import " + archive + ": " + err);
    }
  }

  /** ctr against this node's containerd, in sandboxd's namespace. */
  Result ctr(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        REPO.resolve(".cache/root/usr/bin/ctr").toString(), "--address", env.get("CONTAINERD_ADDRESS"),
        "--namespace", env.get("SANDBOXD_NAMESPACE")));
    cmd.addAll(List.of(args));
    Result r = Command.run(cmd.toArray(String[]::new));
    assertEquals(0, r.exitCode(), () -> "ctr " + String.join(" ", args) + ": " + r.stderr());
    return r;
  }

  /** A command inside the node's mount namespace (where the pods' mounts are). */
  Result inNode(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(REPO.resolve("hack/node").toString(), "exec", "--dir", dir.toString(), "--"));
    cmd.addAll(List.of(args));
    return Command.run(cmd.toArray(String[]::new));
  }

  /**
   * The cgroup2 hierarchy as the host sees it (the node mounts the same one on /sys/fs/cgroup):
   * /sys/fs/cgroup/unified on these hybrid machines, /sys/fs/cgroup in the hack/vm guest.
   */
  Path cgroupRoot() {
    Path hybrid = Path.of("/sys/fs/cgroup/unified");
    return Files.exists(hybrid.resolve("cgroup.controllers")) ? hybrid : Path.of("/sys/fs/cgroup");
  }

  String cgroupParent() {
    return env.get("SANDBOXD_CGROUP_PARENT");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    channel.shutdownNow();
    Command.run(REPO.resolve("hack/node").toString(), "down", "--dir", dir.toString());
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no " + log + ")";
    }
  }

  record Result(int exitCode, String stdout, String stderr) {}

  static final class Command {
    private Command() {}

    static Result run(String... cmd) throws IOException, InterruptedException {
      Process p = new ProcessBuilder(cmd).start();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      String out = read(p.getInputStream());
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 120 s");
      }
      return new Result(p.exitValue(), out, err.join());
    }

    private static String read(java.io.InputStream in) {
      try {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }
  }
}
