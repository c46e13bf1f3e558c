package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.containerd.UnixSocketChannels;
import dev.sandboxd.e2e.Node.Result;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import runtime.v1.Api.ContainerConfig;
import runtime.v1.Api.ContainerMetadata;
import runtime.v1.Api.ContainerState;
import runtime.v1.Api.CreateContainerRequest;
import runtime.v1.Api.ExecSyncRequest;
import runtime.v1.Api.ExecSyncResponse;
import runtime.v1.Api.ImageSpec;
import runtime.v1.Api.ListContainersRequest;
import runtime.v1.Api.PodSandboxConfig;
import runtime.v1.Api.PodSandboxMetadata;
import runtime.v1.Api.PodSandboxState;
import runtime.v1.Api.PodSandboxStatusRequest;
import runtime.v1.Api.PodSandboxStatusResponse;
import runtime.v1.Api.RemovePodSandboxRequest;
import runtime.v1.Api.RunPodSandboxRequest;
import runtime.v1.Api.SecurityProfile;
import runtime.v1.Api.StartContainerRequest;
import runtime.v1.Api.StopPodSandboxRequest;
import runtime.v1.Api.VersionRequest;
import runtime.v1.RuntimeServiceGrpc;

/**
 * containerd's CRI drives sandboxd as its sandbox controller (runtime handler "sandboxd"), the
 * way kubelet would: a two-container pod sharing the pause's namespaces and one shim, with an IP
 * from CRI's CNI; containerd and sandboxd restarts; removal and a failed start leave nothing.
 */
class CriSandboxerE2E {
  private static final String HANDLER = "sandboxd";
  private static Node node;
  private static ManagedChannel channel;

  @BeforeAll
  static void up() throws Exception {
    node = Node.startCri("cri");
    channel = UnixSocketChannels.open(Path.of(node.env.get("CONTAINERD_ADDRESS")), "e2e-cri", 16 << 20);
    Instant deadline = Instant.now().plusSeconds(30);
    while (true) { // CRI answers "server is not initialized yet" until its plugins are up
      try {
        cri().version(VersionRequest.getDefaultInstance());
        break;
      } catch (StatusRuntimeException e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  @AfterAll
  static void down() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (node != null) {
      node.close();
    }
  }

  private static RuntimeServiceGrpc.RuntimeServiceBlockingStub cri() {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  private static PodSandboxConfig podConfig(String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid("uid-" + name))
        .setHostname(name)
        .setLogDirectory(node.dir.resolve("cri-logs").resolve(name).toString())
        .build();
  }

  private static String container(String sandbox, PodSandboxConfig pod, String name, String... command) {
    String id = cri().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox).setSandboxConfig(pod)
        .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
            .setImage(ImageSpec.newBuilder().setImage(Node.BUSYBOX))
            .addAllCommand(List.of(command)).setLogPath(name + ".log"))
        .build()).getContainerId();
    cri().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  private static ExecSyncResponse exec(String container, String... cmd) {
    return cri().execSync(ExecSyncRequest.newBuilder().setContainerId(container).addAllCmd(List.of(cmd)).setTimeout(20).build());
  }

  private static String out(String container, String... cmd) {
    ExecSyncResponse r = exec(container, cmd);
    assertEquals(0, r.getExitCode(), () -> String.join(" ", cmd) + ": " + r.getStderr().toStringUtf8());
    return r.getStdout().toStringUtf8().trim();
  }

  private static PodSandboxStatusResponse status(String sandbox) {
    return cri().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandbox).setVerbose(true).build());
  }

  /**
   * Status after sandboxd came back: containerd's client of a proxy plugin reconnects with up to
   * 3 s of back-off (cmd/containerd/server), and answers UNAVAILABLE meanwhile, as kubelet would see.
   */
  private static PodSandboxStatusResponse statusOnceContainerdReconnects(String sandbox) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(10);
    while (true) {
      try {
        return status(sandbox);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || Instant.now().isAfter(deadline)) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static int pausePid(PodSandboxStatusResponse status) {
    Matcher m = Pattern.compile("\"pid\":(\\d+)").matcher(status.getInfoOrThrow("info"));
    assertTrue(m.find(), status.getInfoOrThrow("info"));
    return Integer.parseInt(m.group(1));
  }

  /** containerd-shim-runc-v2 processes of this node's containerd in namespace k8s.io. */
  private static List<Long> criShims() throws IOException {
    List<Long> out = new ArrayList<>();
    String address = node.env.get("CONTAINERD_ADDRESS");
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
          if (cmd.contains("containerd-shim-runc-v2") && cmd.contains("-namespace k8s.io") && cmd.contains(address)) {
            out.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException gone) {
          // exited meanwhile
        }
      }
    }
    return out;
  }

  private static Result ctrK8s(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Node.REPO.resolve(".cache/root/usr/bin/ctr").toString(),
        "--address", node.env.get("CONTAINERD_ADDRESS"), "--namespace", "k8s.io"));
    cmd.addAll(List.of(args));
    Result r = Node.Command.run(cmd.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.stderr());
    return r;
  }

  private static Path criRoot(String sandbox) {
    return node.dir.resolve("containerd/root/io.containerd.grpc.v1.cri/sandboxes").resolve(sandbox);
  }

  private static Path record(String sandbox) {
    return node.dir.resolve("sandboxd/state/cri-sandboxes").resolve(sandbox + ".json");
  }

  private static void awaitState(String sandbox, PodSandboxState state) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(30);
    while (status(sandbox).getStatus().getState() != state) {
      assertTrue(Instant.now().isBefore(deadline), () -> "sandbox not " + state + ": " + status(sandbox) + node.sandboxdLog());
      Thread.sleep(200);
    }
  }

  @Test
  void aPodThroughCriRunsOnSandboxdAndOutlivesRestartsAndLeavesNothing() throws Exception {
    PodSandboxConfig pod = podConfig("web");
    String sandbox = cri().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(HANDLER).build())
        .getPodSandboxId();
    String server = container(sandbox, pod, "server", "httpd", "-f", "-p", "8080", "-h", "/etc");
    String client = container(sandbox, pod, "client", "sleep", "3600");

    // done-when 1: localhost between the containers, the pause's namespaces, one shim, CRI's IP, sandboxd's info
    Instant deadline = Instant.now().plusSeconds(20);
    ExecSyncResponse fetched;
    do {
      fetched = exec(client, "wget", "-qO-", "http://127.0.0.1:8080/hostname");
    } while (fetched.getExitCode() != 0 && Instant.now().isBefore(deadline) && sleep(200));
    assertEquals("web", fetched.getStdout().toStringUtf8().trim(), fetched.getStderr().toStringUtf8());
    PodSandboxStatusResponse status = status(sandbox);
    assertEquals(PodSandboxState.SANDBOX_READY, status.getStatus().getState());
    String info = status.getInfoOrThrow("info");
    assertTrue(info.contains("\"sandboxer\":\"sandboxd\""), info);
    assertTrue(info.contains("\"taskAddress\":\"ttrpc+unix://"), info);
    assertTrue(status.getStatus().getNetwork().getIp().startsWith("10.89."), status.getStatus().toString());
    assertEquals(status.getStatus().getNetwork().getIp(), out(client, "sh", "-c",
        "ip -4 -o addr show eth0 | sed 's/.*inet \\([0-9.]*\\).*/\\1/'"));
    int pause = pausePid(status);
    // none of its own: the mode this test runs under (0 unless the runner itself is filtered), as podsandbox gives
    assertEquals(seccompMode((int) ProcessHandle.current().pid()), seccompMode(pause), "no seccomp profile asked for");
    String pauseCgroup = Files.readString(Path.of("/proc", Integer.toString(pause), "cgroup")).lines()
        .filter(l -> l.startsWith("0::")).findFirst().orElseThrow().substring(3);
    assertTrue(Files.isDirectory(node.cgroupRoot().resolve(pauseCgroup.substring(1))), pauseCgroup);
    for (String ns : List.of("net", "ipc", "uts")) {
      String pauseNs = Files.readSymbolicLink(Path.of("/proc", Integer.toString(pause), "ns", ns)).toString();
      assertEquals(pauseNs, out(server, "readlink", "/proc/self/ns/" + ns), ns + " of server");
      assertEquals(pauseNs, out(client, "readlink", "/proc/self/ns/" + ns), ns + " of client");
    }
    assertEquals("web", out(client, "cat", "/etc/hostname"));
    assertEquals(1, criShims().size(), "one shim for the pause and both containers: " + criShims());
    ctrK8s("containers", "info", sandbox); // the pause container is sandboxd's, in k8s.io, named by the sandbox id

    // one view: sandboxctl lists the CRI pod beside its own, marked cri, and inspect shows its containers
    Node.Cli ps = node.sandboxctl("ps");
    assertEquals(0, ps.code(), ps.err());
    String row = ps.out().lines().filter(l -> l.startsWith("default ") && l.contains(" web "))
        .findFirst().orElseThrow(() -> new AssertionError(ps.out()));
    assertTrue(row.contains(" Running ") && row.endsWith(" cri"), row);
    Node.Cli inspect = node.sandboxctl("inspect", sandbox);
    assertEquals(0, inspect.code(), inspect.err());
    assertTrue(inspect.out().contains("Source:      cri\n"), inspect.out());
    for (String[] c : List.of(new String[] {"server", server}, new String[] {"client", client})) {
      assertTrue(inspect.out().contains("\n  " + c[0] + ":\n") && inspect.out().contains("    ID:        " + c[1] + "\n"),
          inspect.out());
    }
    assertEquals(2, inspect.out().lines().filter(l -> l.startsWith("    State:     running (pid ")).count(), inspect.out());

    // done-when 2: containerd killed and started again: the pod is READY, its containers run on
    long containerdPid = Long.parseLong(Files.readString(node.dir.resolve("containerd.pid")).trim());
    ProcessHandle.of(containerdPid).ifPresent(p -> {
      p.destroyForcibly();
      p.onExit().join();
    });
    assertEquals(0, Node.Command.run(Node.REPO.resolve("hack/node").toString(), "start-containerd", "--dir",
        node.dir.toString()).exitCode());
    awaitState(sandbox, PodSandboxState.SANDBOX_READY);
    assertEquals(2, cri().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
        .filter(c -> c.getPodSandboxId().equals(sandbox) && c.getState() == ContainerState.CONTAINER_RUNNING).count());
    assertEquals("web", out(client, "wget", "-qO-", "http://127.0.0.1:8080/hostname"));
    assertEquals(pause, pausePid(status(sandbox)));
    // containerd deleted the pod files at its start; sandboxd wrote them again for new containers
    String late = container(sandbox, pod, "late", "sleep", "3600");
    assertEquals("web", out(late, "cat", "/etc/hostname"));
    assertTrue(Files.exists(criRoot(sandbox).resolve("resolv.conf")));

    // sandboxd killed and started again: status and wait answered from its record
    node.killSandboxd();
    node.startSandboxd();
    PodSandboxStatusResponse afterRestart = statusOnceContainerdReconnects(sandbox);
    assertEquals(PodSandboxState.SANDBOX_READY, afterRestart.getStatus().getState());
    assertEquals(pause, pausePid(afterRestart));
    assertEquals(1, criShims().size());
    // containerd's Wait, re-made against the new sandboxd, sees the pause exit
    Node.Command.run("kill", "-9", Integer.toString(pause));
    awaitState(sandbox, PodSandboxState.SANDBOX_NOTREADY);

    // Stop + Remove: nothing of the pod remains
    assertTrue(criCniCacheEntries(sandbox).stream().anyMatch(f -> f.getFileName().toString().equals("cri-" + sandbox + "-eth0")),
        "CRI's CNI result cache is the node's, not the host's /var/lib/cni");
    String netns = Pattern.compile("\"netnsPath\":\"([^\"]+)\"").matcher(info).results().findFirst().orElseThrow().group(1);
    cri().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
    cri().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
    assertFalse(Files.exists(record(sandbox)), "sandboxd's record");
    assertFalse(Files.exists(criRoot(sandbox)), "pod files");
    assertFalse(Files.exists(node.dir.resolve("containerd/state/io.containerd.grpc.v1.cri/sandboxes").resolve(sandbox)), "shm");
    assertFalse(Files.exists(Path.of(netns)), "CRI's netns " + netns);
    assertEquals(List.of(), criCniCacheEntries(sandbox), "CNI DEL removed the cached result");
    assertEquals("", ctrK8s("containers", "ls", "-q").stdout().trim(), "containerd containers in k8s.io");
    assertEquals("", ctrK8s("tasks", "ls", "-q").stdout().trim(), "tasks in k8s.io");
    assertEquals(List.of(), criShims(), "shims");
    assertFalse(Files.exists(node.cgroupRoot().resolve(pauseCgroup.substring(1))), "pause cgroup " + pauseCgroup);
    assertTrue(status_notFound(sandbox));
  }

  @Test
  void thePauseRunsUnderTheSeccompProfileKubeletAsksFor() throws Exception {
    PodSandboxConfig.Builder pod = podConfig("confined").toBuilder();
    pod.getLinuxBuilder().getSecurityContextBuilder()
        .setSeccomp(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault));
    String sandbox = cri().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(HANDLER).build())
        .getPodSandboxId();
    try {
      assertEquals(SECCOMP_FILTER, seccompMode(pausePid(status(sandbox))), "RuntimeDefault: a filter");
    } finally {
      cri().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
      cri().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
    }
  }

  /** The Seccomp: line of /proc/PID/status (the kernel's SECCOMP_MODE_*). */
  private static final String SECCOMP_FILTER = "2";

  private static String seccompMode(int pid) throws IOException {
    return Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status")).stream()
        .filter(l -> l.startsWith("Seccomp:")).findFirst().orElseThrow().substring("Seccomp:".length()).trim();
  }

  /** The pod's entries in CRI's libcni result cache (its pod network's and its loopback's). */
  private static List<Path> criCniCacheEntries(String sandbox) throws IOException {
    try (Stream<Path> cached = Files.list(node.dir.resolve("cri-cni/cache/results"))) {
      return cached.filter(f -> f.getFileName().toString().contains(sandbox)).toList();
    }
  }

  @Test
  void aStartThatFailsLeavesNothingThoughContainerdNeverShutsItDown() throws Exception {
    PodSandboxConfig.Builder pod = podConfig("broken").toBuilder();
    // runc cannot write a sysctl that does not exist: the pause task fails to start
    pod.getLinuxBuilder().putSysctls("net.ipv4.no_such_sysctl", "1");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> cri().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(HANDLER).build()));
    assertTrue(e.getMessage().contains("no_such_sysctl"), e.getMessage());

    try (Stream<Path> records = Files.list(node.dir.resolve("sandboxd/state/cri-sandboxes"))) {
      assertEquals(List.of(), records.toList(), "sandboxd's records");
    }
    Path sandboxes = node.dir.resolve("containerd/root/io.containerd.grpc.v1.cri/sandboxes");
    if (Files.exists(sandboxes)) {
      try (Stream<Path> dirs = Files.list(sandboxes)) {
        assertEquals(List.of(), dirs.toList(), "pod files");
      }
    }
    assertEquals("", ctrK8s("containers", "ls", "-q").stdout().trim(), "pause container");
    // the image layers, and the one read-only view of the pause image every pause shares (kept for the next pod)
    assertEquals("", ctrK8s("snapshots", "ls").stdout().lines().skip(1)
        .filter(l -> !l.contains("Committed") && !l.startsWith("sandboxd-pause-rootfs-")).reduce("", String::concat),
        "a snapshot of the pod's own");
    assertEquals(List.of(), criShims(), "shims");
  }

  private static boolean status_notFound(String sandbox) {
    try {
      status(sandbox);
      return false;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND;
    }
  }

  private static boolean sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }
}
