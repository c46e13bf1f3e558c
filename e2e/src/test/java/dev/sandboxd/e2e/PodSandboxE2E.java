package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.StopPodRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The walking skeleton against a real containerd and runc: pause sandbox + joined app tasks. */
class PodSandboxE2E {
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("sandbox");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void counterPodFromTheSeedRunsAndItsLogGrows() throws Exception {
    Path hostLog = Path.of("/var/log/counter/1.log");
    Files.deleteIfExists(hostLog);
    Pod pod = node.run(Files.readString(Node.REPO.resolve("e2e/examples/counter.yaml")));
    try {
      assertEquals("Running", pod.getStatus().getPhase());
      Pod running = node.waitFor("counter", p -> p.getStatus().getContainerStatusesList().stream()
          .allMatch(c -> c.getState().hasRunning()));
      assertEquals(2, running.getStatus().getContainerStatusesCount());

      // Within 5 s the tail container has printed a growing count.
      Instant deadline = Instant.now().plusSeconds(5);
      int lines = 0;
      while (Instant.now().isBefore(deadline) && lines < 3) {
        lines = node.logs("counter", "count-log").split("\n").length;
        Thread.sleep(200);
      }
      String log = node.logs("counter", "count-log");
      assertTrue(log.startsWith("0: "), log);
      assertTrue(log.contains("\n2: "), "count did not grow within 5 s: " + log);
      assertTrue(Files.readString(hostLog).startsWith("0: "), "the hostPath volume is the host's /var/log/counter");
    } finally {
      node.removeForce("counter");
      Files.deleteIfExists(hostLog);
    }
  }

  @Test
  void appContainersJoinThePauseNamespacesButNotItsMountNamespace() throws Exception {
    node.run(twoSleepers("ns-private", false));
    try {
      Pod pod = node.inspect("ns-private");
      long pausePid = pod.getStatus().getSandbox().getPid();
      for (ContainerStatus c : pod.getStatus().getContainerStatusesList()) {
        for (String ns : List.of("net", "ipc", "uts")) {
          assertEquals(nsInode(pausePid, ns), nsInode(c.getPid(), ns), c.getName() + " " + ns);
        }
        assertNotEquals(nsInode(pausePid, "mnt"), nsInode(c.getPid(), "mnt"), c.getName() + " mnt");
        assertNotEquals(nsInode(pausePid, "pid"), nsInode(c.getPid(), "pid"), c.getName() + " pid");
      }
      // One UTS namespace: every container sees the pod's hostname.
      assertEquals("ns-private\n", node.exec("ns-private", "a", "hostname").getStdout().toStringUtf8());
      assertEquals("ns-private\n", node.exec("ns-private", "b", "cat", "/etc/hostname").getStdout().toStringUtf8());
      // Without a shared PID namespace, a container's PID 1 is its own process.
      ExecResponse ps = node.exec("ns-private", "a", "ps", "-o", "pid,args");
      assertTrue(ps.getStdout().toStringUtf8().matches("(?s).*\\n\\s*1 sleep 3600.*"), ps.getStdout().toStringUtf8());
      assertFalse(ps.getStdout().toStringUtf8().contains("/pause"));
    } finally {
      node.removeForce("ns-private");
    }
  }

  @Test
  void sharedProcessNamespaceShowsPauseAsPid1AndTheOtherContainers() throws Exception {
    node.run(twoSleepers("ns-shared", true));
    try {
      Pod pod = node.inspect("ns-shared");
      long pausePid = pod.getStatus().getSandbox().getPid();
      ContainerStatus a = pod.getStatus().getContainerStatuses(0);
      assertEquals(nsInode(pausePid, "pid"), nsInode(a.getPid(), "pid"));
      String ps = node.exec("ns-shared", "a", "ps", "-o", "pid,args").getStdout().toStringUtf8();
      assertTrue(ps.matches("(?s).*\\n\\s*1 /pause\\n.*"), ps);
      assertTrue(ps.contains("sleep 3600"), ps);
      assertTrue(ps.contains("sleep 3601"), "the other container's process is visible: " + ps);
    } finally {
      node.removeForce("ns-shared");
    }
  }

  @Test
  void containersTalkOverLocalhostAndASecondBindOfThePortFailsVisibly() throws Exception {
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          restartPolicy: Never
          containers:
          - name: server
            image: %1$s
            command: [sh, -c, 'mkdir -p /www && echo hello-from-server > /www/index.html && exec httpd -f -v -p 8080 -h /www']
          - name: client
            image: %1$s
            command: [sleep, "3600"]
        """.formatted(Node.BUSYBOX));
    try {
      node.waitFor("web", p -> p.getStatus().getContainerStatusesList().stream().allMatch(c -> c.getState().hasRunning()));
      String body = "";
      for (int i = 0; i < 50 && !body.contains("hello-from-server"); i++) {
        body = node.exec("web", "client", "wget", "-qO-", "http://localhost:8080/index.html").getStdout().toStringUtf8();
        Thread.sleep(100);
      }
      assertEquals("hello-from-server\n", body);
    } finally {
      node.removeForce("web");
    }

    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: port-clash}
        spec:
          restartPolicy: Never
          containers:
          - name: first
            image: %1$s
            command: [nc, -l, -p, "9000"]
          - name: second
            image: %1$s
            command: [sh, -c, 'sleep 1; exec nc -l -p 9000']
        """.formatted(Node.BUSYBOX));
    try {
      Pod pod = node.waitFor("port-clash", p -> p.getStatus().getContainerStatuses(1).getState().hasTerminated());
      ContainerStatus first = pod.getStatus().getContainerStatuses(0);
      ContainerStatus second = pod.getStatus().getContainerStatuses(1);
      assertTrue(first.getState().hasRunning(), first.toString());
      assertEquals("Error", second.getState().getTerminated().getReason());
      assertNotEquals(0, second.getState().getTerminated().getExitCode());
      assertTrue(node.logs("port-clash", "second").contains("bind: Address already in use"), node.logs("port-clash", "second"));
      assertEquals("Running", pod.getStatus().getPhase());
    } finally {
      node.removeForce("port-clash");
    }
  }

  @Test
  void threeContainersShareOneShim() throws Exception {
    Pod pod = node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: trio}
        spec:
          containers:
          - {name: one, image: %1$s, command: [sleep, "3600"]}
          - {name: two, image: %1$s, command: [sleep, "3600"]}
          - {name: three, image: %1$s, command: [sleep, "3600"]}
        """.formatted(Node.BUSYBOX));
    try {
      String sandboxId = pod.getStatus().getSandbox().getId();
      assertEquals(1, shimsOf(sandboxId), "one shim for the pause and three app tasks");
      long shimPid = parentOf(pod.getStatus().getSandbox().getPid());
      for (ContainerStatus c : pod.getStatus().getContainerStatusesList()) {
        assertEquals(shimPid, parentOf(c.getPid()), c.getName() + " is a child of the pod's shim");
      }
    } finally {
      node.removeForce("trio");
    }
  }

  @Test
  void stopAndRemoveLeaveNothingBehind() throws Exception {
    Pod pod = node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: leftovers, namespace: e2e}
        spec:
          terminationGracePeriodSeconds: 2
          containers:
          - name: app
            image: %1$s
            command: [sh, -c, 'echo started; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done']
            volumeMounts: [{name: scratch, mountPath: /scratch}, {name: mem, mountPath: /mem}]
          volumes:
          - {name: scratch, emptyDir: {}}
          - {name: mem, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
        """.formatted(Node.BUSYBOX));
    String uid = pod.getMetadata().getUid();
    String sandboxId = pod.getStatus().getSandbox().getId();
    String appId = pod.getStatus().getContainerStatuses(0).getContainerId();
    Path podCgroup = node.cgroupRoot().resolve(node.cgroupParent().substring(1)).resolve("pod" + uid);
    assertTrue(Files.isDirectory(podCgroup), "pod cgroup " + podCgroup);
    assertTrue(node.inNode("grep", "-c", uid, "/proc/self/mountinfo").stdout().trim().matches("[1-9][0-9]*"),
        "the memory emptyDir is a mount");
    assertEquals(1, shimsOf(sandboxId));

    Pod stopped = node.pods().stopPod(StopPodRequest.newBuilder().setPod(Node.ref("e2e/leftovers")).build()).getPod();
    assertEquals(0, stopped.getStatus().getContainerStatuses(0).getState().getTerminated().getExitCode(),
        "the app exits on SIGTERM within its grace period");
    assertTrue(node.logs("e2e/leftovers", "app").contains("bye"));
    node.pods().removePod(RemovePodRequest.newBuilder().setPod(Node.ref("e2e/leftovers")).build());

    String containers = node.ctr("containers", "list", "-q").stdout();
    assertFalse(containers.contains(sandboxId) || containers.contains(appId), containers);
    String tasks = node.ctr("tasks", "list").stdout();
    assertFalse(tasks.contains(sandboxId) || tasks.contains(appId), tasks);
    String snapshots = node.ctr("snapshots", "list").stdout();
    assertFalse(snapshots.contains(sandboxId) || snapshots.contains(appId), snapshots);
    // every pause names one read-only view of the pause image, kept for the next pod: one, a view
    assertEquals(1, snapshots.lines().filter(l -> l.startsWith("sandboxd-pause-rootfs-sha256-")).count(), snapshots);
    assertTrue(snapshots.lines().filter(l -> l.startsWith("sandboxd-pause-rootfs-")).allMatch(l -> l.contains("View")),
        snapshots);
    String leases = node.ctr("leases", "list").stdout();
    assertEquals(1, leases.strip().split("\n").length, "no lease left: " + leases);
    assertEquals(0, shimsOf(sandboxId), "the pod's shim exited");
    assertEquals("0", node.inNode("sh", "-c", "grep -c -e " + uid + " -e " + sandboxId + " -e " + appId
        + " /proc/self/mountinfo || true").stdout().trim(), "no mount of the pod is left");
    assertFalse(Files.exists(podCgroup), "pod cgroup removed");
    assertFalse(Files.exists(node.dir.resolve("sandboxd/state/pods/" + uid + ".json")), "state record removed");
    assertFalse(Files.exists(node.dir.resolve("sandboxd/root/pods/" + uid)), "pod directory removed");
    assertEquals(StatusCodeOf.NOT_FOUND, StatusCodeOf.call(() -> node.inspect("e2e/leftovers")));
  }

  @Test
  void aFailingContainerRollsTheWholePodBack() throws Exception {
    String before = node.ctr("containers", "list", "-q").stdout();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: half-made}
        spec:
          containers:
          - {name: ok, image: %s, command: [sleep, "3600"]}
          - {name: no-binary, image: %s, command: [/no/such/binary]}
        """.formatted(Node.BUSYBOX, Node.BUSYBOX)));
    // (A missing image no longer fails the run: the pod waits for its pull, as in Kubernetes.)
    assertTrue(e.getStatus().getDescription().contains("/no/such/binary"), e.getStatus().getDescription());
    assertEquals(before, node.ctr("containers", "list", "-q").stdout(), "nothing of the pod is left in containerd");
    assertTrue(node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList().stream()
        .noneMatch(p -> p.getMetadata().getName().equals("half-made")));
  }

  // --- helpers ---

  static String twoSleepers(String name, boolean sharePid) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          shareProcessNamespace: %s
          containers:
          - {name: a, image: %s, command: [sleep, "3600"]}
          - {name: b, image: %s, command: [sleep, "3601"]}
        """.formatted(name, sharePid, Node.BUSYBOX, Node.BUSYBOX);
  }

  static String nsInode(long pid, String ns) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns)).toString();
  }

  static long parentOf(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
  }

  /** Shim processes serving this sandbox (the group's shim is named after the sandbox id). */
  static long shimsOf(String sandboxId) throws IOException {
    try (var procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().matches("[0-9]+"))
          .map(p -> {
            try {
              return new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
            } catch (IOException e) {
              return "";
            }
          })
          .filter(cmd -> cmd.contains("containerd-shim-runc-v2") && cmd.contains("-id " + sandboxId))
          .count();
    }
  }

  /** The gRPC status code a call fails with, or OK. */
  static final class StatusCodeOf {
    static final Status.Code NOT_FOUND = Status.Code.NOT_FOUND;

    static Status.Code call(Runnable r) {
      try {
        r.run();
        return Status.Code.OK;
      } catch (StatusRuntimeException e) {
        return e.getStatus().getCode();
      }
    }
  }

  /** A pod name may have 253 characters, a hostname 63: kubelet cuts it, so must sandboxd. */
  @Test
  void aPodWithALongNameGetsItsHostnameCutTo63Characters() throws Exception {
    String name = "a".repeat(61) + "-b" + "c".repeat(37);
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          terminationGracePeriodSeconds: 0
          containers:
          - {name: app, image: %s, command: [sleep, '3600']}
        """.formatted(name, Node.BUSYBOX));
    try {
      assertEquals(100, name.length());
      assertEquals("a".repeat(61) + "-b\n", node.exec(name, "app", "hostname").getStdout().toStringUtf8());
      assertEquals("a".repeat(61) + "-b\n", node.exec(name, "app", "cat", "/etc/hostname").getStdout().toStringUtf8());
      assertEquals(name, node.inspect(name).getMetadata().getName(), "the pod keeps its full name");
    } finally {
      node.removeForce(name);
    }
  }
}
