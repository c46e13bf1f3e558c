package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.api.v1.ExecRequest;
import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.InspectPodRequest;
import dev.sandboxd.api.v1.LogsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.RunPodRequest;
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
  private final List<String> sandboxdFlags;
  private final ManagedChannel channel;

  private Node(Path dir, Map<String, String> env, List<String> sandboxdFlags) {
    this.dir = dir;
    this.env = env;
    this.sandboxdFlags = sandboxdFlags;
    this.channel = UnixSocketChannels.open(Path.of(env.get("SANDBOXD_ADDRESS")), "e2e-client", 64 << 20);
  }

  /** A node whose sandboxd gets the extra flags (e.g. a short restart back-off). */
  static Node start(String name, String... extraFlags) throws IOException, InterruptedException {
    return start(name, List.of(), extraFlags);
  }

  /**
   * A node in its own network namespace too (hack/node up --netns): pod networks, bridges, veths
   * and NAT rules exist only there, and its metrics port is reachable only from inside it.
   */
  static Node startInNetns(String name, String... extraFlags) throws IOException, InterruptedException {
    return start(name, List.of("--netns"), extraFlags);
  }

  /**
   * A node whose containerd serves CRI with sandboxd as its sandbox controller behind runtime
   * handler "sandboxd" (hack/node up --cri: own network namespace, CNI, images in k8s.io).
   */
  static Node startCri(String name, String... extraFlags) throws IOException, InterruptedException {
    return start(name, List.of("--cri"), extraFlags);
  }

  private static Node start(String name, List<String> nodeFlags, String... extraFlags) throws IOException, InterruptedException {
    Path dir = Path.of("/run", "sandboxd-e2e-" + name + "-" + ProcessHandle.current().pid());
    // Nodes run side by side (and beside a developer's hack/up): each takes any free metrics port
    // unless the test names one; metricsAddress() finds it.
    List<String> sandboxdFlags = new ArrayList<>(List.of(extraFlags));
    if (!sandboxdFlags.contains("--metrics-address")) {
      sandboxdFlags.addAll(List.of("--metrics-address", "127.0.0.1:0"));
    }
    Result up = Command.run(nodeCommand("up", dir, nodeFlags, sandboxdFlags));
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
    Node node = new Node(dir, env, sandboxdFlags);
    node.importImage(REPO.resolve(".cache/images/busybox.tar"));
    return node;
  }

  private static String[] nodeCommand(String verb, Path dir, List<String> flags) {
    return nodeCommand(verb, dir, List.of(), flags);
  }

  private static String[] nodeCommand(String verb, Path dir, List<String> nodeFlags, List<String> sandboxdFlags) {
    List<String> cmd = new ArrayList<>(List.of(REPO.resolve("hack/node").toString(), verb, "--dir", dir.toString()));
    cmd.addAll(nodeFlags);
    if (!sandboxdFlags.isEmpty()) {
      cmd.add("--");
      cmd.addAll(sandboxdFlags);
    }
    return cmd.toArray(String[]::new);
  }

  /** Kills sandboxd with SIGKILL, as a crash would, and waits until it is gone. */
  void killSandboxd() throws IOException, InterruptedException {
    long pid = Long.parseLong(Files.readString(dir.resolve("sandboxd.pid")).trim());
    ProcessHandle.of(pid).ifPresent(p -> {
      p.destroyForcibly();
      p.onExit().join();
    });
  }

  void startSandboxd() throws IOException, InterruptedException {
    startSandboxd(List.of());
  }

  /** Starts sandboxd with the node's flags and, this time only, more (e.g. another --network). */
  void startSandboxd(List<String> moreFlags) throws IOException, InterruptedException {
    List<String> flags = new ArrayList<>(sandboxdFlags);
    flags.addAll(moreFlags);
    Result r = Command.run(nodeCommand("start-sandboxd", dir, flags));
    if (r.exitCode() != 0) {
      throw new IllegalStateException("hack/node start-sandboxd: " + r.stderr() + "\n" + tail(dir.resolve("sandboxd.log")));
    }
  }

  /** Stops containerd (SIGTERM; shims and tasks live on) and starts it again. */
  void restartContainerd() throws IOException, InterruptedException {
    for (String verb : List.of("stop-containerd", "start-containerd")) {
      Result r = Command.run(nodeCommand(verb, dir, List.of()));
      if (r.exitCode() != 0) {
        throw new IllegalStateException("hack/node " + verb + ": " + r.stderr());
      }
    }
  }

  /** host:port of sandboxd's metrics endpoint, as sandboxd wrote it when it bound the port. */
  String metricsAddress() throws IOException {
    return Files.readString(dir.resolve("sandboxd/state/metrics.address")).trim();
  }

  /** The node's own network namespace (/proc/PID/ns/net) for a startInNetns node, else empty. */
  String netnsPath() {
    return env.getOrDefault("NODE_NETNS", "");
  }

  String sandboxdLog() {
    return tail(dir.resolve("sandboxd.log"));
  }

  PodsGrpc.PodsBlockingStub pods() {
    return PodsGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  String sandboxdAddress() {
    return env.get("SANDBOXD_ADDRESS");
  }

  /** Imports an image archive the way an operator does: with sandboxctl. */
  void importImage(Path archive) {
    Cli r = sandboxctl("image", "import", archive.toString());
    if (r.code() != 0) {
      throw new IllegalStateException("sandboxctl image import " + archive + ": " + r.err());
    }
  }

  /** What sandboxctl printed and how it exited, and how long it took. */
  record Cli(int code, String out, String err, Duration took) {}

  /** sandboxctl against this node, in this process. */
  Cli sandboxctl(String... command) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args = new ArrayList<>(List.of("--address", sandboxdAddress()));
    args.addAll(List.of(command));
    long started = System.nanoTime();
    int code = Sandboxctl.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Cli(code, out.toString(), err.toString(), Duration.ofNanos(System.nanoTime() - started));
  }

  /** sandboxctl cri against this --cri node's containerd, pod root and cgroup parent. */
  Cli sandboxctlCri(String... command) {
    List<String> args = new ArrayList<>(List.of("cri", "--cri-endpoint", env.get("CRI_ENDPOINT"),
        "--pod-root", env.get("CRI_POD_ROOT"), "--cgroup-parent", env.get("CRI_CGROUP_PARENT")));
    args.addAll(List.of(command));
    return sandboxctl(args.toArray(String[]::new));
  }

  // --- the pod calls every e2e test makes ---

  Pod run(String manifest) {
    return pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build()).getPod();
  }

  Pod inspect(String ref) {
    return pods().inspectPod(InspectPodRequest.newBuilder().setPod(ref(ref)).build()).getPod();
  }

  ExecResponse exec(String pod, String container, String... command) {
    return pods().exec(ExecRequest.newBuilder().setPod(ref(pod)).setContainer(container)
        .addAllCommand(List.of(command)).setTimeoutSeconds(30).build());
  }

  String logs(String pod, String container) {
    StringBuilder out = new StringBuilder();
    pods().logs(LogsRequest.newBuilder().setPod(ref(pod)).setContainer(container).build())
        .forEachRemaining(c -> out.append(c.getData().toStringUtf8()));
    return out.toString();
  }

  void removeForce(String pod) {
    pods().removePod(RemovePodRequest.newBuilder().setPod(ref(pod)).setForce(true).build());
  }

  static PodRef ref(String ref) {
    return PodRef.newBuilder().setRef(ref).build();
  }

  /** Polls the pod until condition holds; fails after 30 s with its status and sandboxd's log. */
  Pod waitFor(String ref, Predicate<Pod> condition) throws InterruptedException {
    return waitFor(ref, Duration.ofSeconds(30), condition);
  }

  /** Polls the pod until condition holds; fails after timeout with its last status and sandboxd's log. */
  Pod waitFor(String ref, Duration timeout, Predicate<Pod> condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    Pod pod = inspect(ref);
    while (!condition.test(pod)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("pod " + ref + " did not reach the expected state: " + pod.getStatus() + "\n" + sandboxdLog());
      }
      Thread.sleep(100);
      pod = inspect(ref);
    }
    return pod;
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
