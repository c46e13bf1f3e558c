package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The pod network through the real CNI plugins (bridge, host-local, portmap, loopback), in a node
 * with its own network namespace: every bridge, veth, NAT rule and reservation lives there, and
 * the host's interfaces and rules are checked to stay as they were. Traffic goes only to pod IPs
 * and the node namespace's 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PodNetworkE2E {
  private static final String PLUGINS = Node.REPO.resolve(".cache/root/usr/lib/cni").toString();
  private static final String ERROR_PLUGIN = "sandboxd-e2e-failer";

  private Node node;
  private Path extraBin;
  private Set<String> hostLinksBefore;

  @BeforeAll
  void start() throws Exception {
    hostLinksBefore = hostLinks();
    // A plugin of the test's own that fails ADD with an error object, as the Go plugins print one.
    extraBin = Files.createTempDirectory("sandboxd-e2e-cni-bin");
    Path failer = extraBin.resolve(ERROR_PLUGIN);
    Files.writeString(failer, "#!/bin/sh\ncat >/dev/null\n"
        + "if [ \"$CNI_COMMAND\" = ADD ]; then echo '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"no such VLAN\",\"details\":\"vlan 4095\"}'; exit 1; fi\n"
        + "exit 0\n");
    Files.setPosixFilePermissions(failer, PosixFilePermissions.fromString("rwx------"));
    node = Node.startInNetns("cni", "--cni-bin-dir", PLUGINS + ":" + extraBin);
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (node != null) {
        node.close();
      }
      // Whatever else runs on this machine, the pod network's interfaces never reached the host.
      Set<String> added = new TreeSet<>(hostLinks());
      added.removeAll(hostLinksBefore);
      assertFalse(added.contains("sandboxd0"), "the pod bridge appeared on the host: " + added);
      assertTrue(added.stream().noneMatch(l -> l.startsWith("veth")), "veths appeared on the host: " + added);
      assertFalse(run("iptables", "-t", "nat", "-S").contains("10.89."), "the pod network's NAT rules reached the host");
    } finally {
      try (Stream<Path> files = Files.list(extraBin)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(extraBin);
    }
  }

  // --- done-when 1: IPs, pod to pod, hostPort, status ---

  @Test
  void podsGetDistinctIpsReachEachOtherByIpAndAHostPortFromTheNode() throws Exception {
    node.run(webPod("web-a", "hello-from-a", "ports: [{containerPort: 8080, hostPort: 18080}]"));
    node.run(sleeper("client-b", ""));
    // Its server listens on the pod IP alone: ready only because probes go to the pod IP, as kubelet's do.
    String ipA = node.waitFor("web-a", p -> p.getStatus().getContainerStatusesCount() == 1
        && p.getStatus().getContainerStatuses(0).getReady()).getStatus().getPodIp();
    Pod b = node.waitFor("client-b", p -> p.getStatus().getPhase().equals("Running"));
    String ipB = b.getStatus().getPodIp();
    assertTrue(ipA.startsWith("10.89.") && ipB.startsWith("10.89."), ipA + " " + ipB);
    assertNotEquals(ipA, ipB);
    assertEquals(List.of(ipB), b.getStatus().getPodIpsList().stream().map(ip -> ip.getIp()).toList());
    assertEquals("127.0.0.1", b.getStatus().getHostIp(), "a node without an uplink: its loopback");
    // kubelet's /etc/hosts names the pod by its IP, written once the network is up
    String hosts = exec("client-b", "c", "cat", "/etc/hosts");
    assertTrue(hosts.startsWith("# Kubernetes-managed hosts file.\n") && hosts.contains("\n" + ipB + "\tclient-b\n"), hosts);

    String fromB = retry(() -> exec("client-b", "c", "sh", "-c",
        "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc " + ipA + " 8080"));
    assertTrue(fromB.contains("hello-from-a"), fromB);
    String viaHostPort = retry(() -> node.inNode("bash", "-c",
        "exec 3<>/dev/tcp/127.0.0.1/18080 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3").stdout());
    assertTrue(viaHostPort.contains("hello-from-a"), viaHostPort);

    Node.Cli inspect = node.sandboxctl("inspect", "web-a", "-o", "json");
    assertTrue(inspect.out().contains("\"podIP\" : \"" + ipA + "\""), inspect.out());
    assertTrue(inspect.out().contains("\"hostPort\" : 18080"), "the manifest's ports are kept: " + inspect.out());
    Node.Cli ps = node.sandboxctl("ps", "-o", "wide");
    assertTrue(ps.out().contains(ipA) && ps.out().contains(ipB), ps.out());

    node.removeForce("web-a");
    node.removeForce("client-b");
    assertNothingLeft();
  }

  // --- done-when 2: hostNetwork, --network none ---

  @Test
  void aHostNetworkPodSeesTheNodesInterfaces() throws Exception {
    node.run(sleeper("own-netns", ""));
    node.run(sleeper("host-net", "hostNetwork: true"));
    node.waitFor("own-netns", p -> p.getStatus().getPhase().equals("Running"));
    Pod host = node.waitFor("host-net", p -> p.getStatus().getPhase().equals("Running"));

    Set<String> nodeLinks = links(node.inNode("cat", "/proc/net/dev").stdout());
    Set<String> podLinks = links(exec("host-net", "c", "cat", "/proc/net/dev"));
    assertTrue(nodeLinks.contains("sandboxd0"), "the other pod's bridge is the node's: " + nodeLinks);
    assertEquals(nodeLinks, podLinks);
    assertEquals(Set.of("lo", "eth0"), links(exec("own-netns", "c", "cat", "/proc/net/dev")));
    assertEquals("127.0.0.1", host.getStatus().getPodIp(), "a hostNetwork pod has the node's IP");

    node.removeForce("own-netns");
    node.removeForce("host-net");
    assertNothingLeft();
  }

  @Test
  void underNetworkNoneAPodHasLoopbackOnly() throws Exception {
    node.killSandboxd();
    node.startSandboxd(List.of("--network", "none"));
    try {
      node.run(sleeper("lonely", ""));
      Pod pod = node.waitFor("lonely", p -> p.getStatus().getPhase().equals("Running"));
      assertEquals(Set.of("lo"), links(exec("lonely", "c", "cat", "/proc/net/dev")));
      assertEquals("", pod.getStatus().getPodIp());
      node.removeForce("lonely");
    } finally {
      node.killSandboxd();
      node.startSandboxd();
    }
    assertNothingLeft();
  }

  // --- done-when 5: bad config and plugin failures ---

  @Test
  void badNetworkConfigsAndPluginFailuresFailThePodClearlyAndLeaveNothing() throws Exception {
    Path conf = node.dir.resolve("cni/net.d");
    Files.createDirectories(conf);
    Path file = conf.resolve("10-test.conflist");
    try {
      Files.writeString(file, "{\"cniVersion\":\"1.0.0\",\"name\":\"broken\",\"plugins\":[{\"type\":\"nosuchplugin\"}]}");
      assertRunFails("missing", "CNI network \"broken\": plugin \"nosuchplugin\" not found in " + PLUGINS + ":" + extraBin);
      assertNothingLeft();

      Files.writeString(file, "{\"cniVersion\": \"1.0.0\", \"name\": ");
      assertRunFails("badconf", "CNI config " + file + ": not JSON");
      assertNothingLeft();

      // A /30: host-local hands out .2 only (.1 is the gateway): the second pod finds the range exhausted.
      Files.writeString(file, tinyNetwork(""));
      node.run(sleeper("first", ""));
      assertEquals("10.90.0.2", node.waitFor("first", p -> p.getStatus().getPhase().equals("Running")).getStatus().getPodIp());
      assertRunFails("second", "CNI network \"tiny\": plugin \"bridge\" ADD failed: failed to allocate for range 0: "
          + "no IP addresses available in range set: 10.90.0.1-10.90.0.2");
      node.removeForce("first");
      assertNothingLeft();

      // bridge ADDs, then the next plugin fails with an error object: bridge's address is freed again.
      Files.writeString(file, tinyNetwork(",{\"type\":\"" + ERROR_PLUGIN + "\"}"));
      assertRunFails("failer", "CNI network \"tiny\": plugin \"" + ERROR_PLUGIN + "\" ADD failed: no such VLAN: vlan 4095 (code 7)");
      assertNothingLeft();
      Files.writeString(file, tinyNetwork(""));
      node.run(sleeper("after", ""));
      assertEquals("10.90.0.2", node.waitFor("after", p -> p.getStatus().getPhase().equals("Running")).getStatus().getPodIp(),
          "the failed ADD's address was released");
      node.removeForce("after");
    } finally {
      Files.deleteIfExists(file);
    }
    assertNothingLeft();
  }

  private String tinyNetwork(String morePlugins) {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"tiny\",\"plugins\":[{\"type\":\"bridge\",\"bridge\":\"sbxtiny0\","
        + "\"isGateway\":true,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"" + node.dir.resolve("sandboxd/root/cni/networks")
        + "\",\"ranges\":[[{\"subnet\":\"10.90.0.0/30\"}]]}}" + morePlugins + "]}";
  }

  private void assertRunFails(String name, String message) throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> node.run(sleeper(name, "")));
    assertTrue(e.getStatus().getDescription().contains(message), e.getStatus().getDescription() + "\nwanted: " + message);
    assertTrue(node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList().stream()
        .noneMatch(p -> p.getMetadata().getName().equals(name)), "the failed pod is gone");
  }

  // --- done-when 3: SIGKILL during creation ---

  /**
   * 20 pods created at once, sandboxd killed with SIGKILL while they are being made (twice: after
   * a second, and once a few of them run, so the kill lands before, during and after ADD of
   * different pods),
   * then started again and every pod removed: no address, cached result, namespace, veth or rule
   * remains.
   */
  @Test
  void sigkillWhilePodsAreCreatedLeavesNothingOnceTheyAreRemoved() throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      names.add(String.format("crash-%02d", i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      for (int runningBeforeKill : new int[] {0, 5}) {
        Set<String> existing = node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList().stream()
            .map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        List<Future<?>> runs = new ArrayList<>();
        for (String name : names) {
          if (!existing.contains(name)) {
            runs.add(pool.submit(() -> node.run(sleeper(name, ""))));
          }
        }
        Thread.sleep(1000);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (running() < runningBeforeKill && Instant.now().isBefore(deadline)) {
          Thread.sleep(100);
        }
        node.killSandboxd();
        for (Future<?> run : runs) {
          try {
            run.get();
          } catch (Exception cutShort) {
            // the kill interrupted this one
          }
        }
        node.startSandboxd();
      }
    } finally {
      pool.shutdownNow();
    }
    List<Pod> left = node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList();
    assertFalse(left.isEmpty(), "no pod was ever made: the kills came too early to test anything");
    for (Pod p : left) {
      node.removeForce(p.getMetadata().getName());
    }
    assertNothingLeft();
  }

  // --- helpers ---

  private long running() {
    return node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList().stream()
        .filter(p -> p.getStatus().getPhase().equals("Running")).count();
  }

  /** Reservations, cached results, pinned namespaces, veths and pod NAT rules: none. */
  private void assertNothingLeft() throws Exception {
    Path cni = node.dir.resolve("sandboxd/root/cni");
    assertEquals(List.of(), list(cni.resolve("results")), "CNI result cache");
    assertEquals(List.of(), list(node.dir.resolve("sandboxd/state/netns")), "pinned network namespaces");
    for (String network : list(cni.resolve("networks"))) {
      List<String> reserved = list(cni.resolve("networks").resolve(network)).stream()
          .filter(f -> !f.equals("lock") && !f.startsWith("last_reserved_ip")).toList();
      assertEquals(List.of(), reserved, "host-local reservations of " + network);
    }
    String links = node.inNode("ip", "-o", "link").stdout();
    assertFalse(links.contains("veth"), links);
    String nat = node.inNode("iptables", "-t", "nat", "-S").stdout();
    assertTrue(nat.lines().noneMatch(l -> l.contains(" id: ") || l.contains("CNI-DN-")), nat);
  }

  private static List<String> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  private String exec(String pod, String container, String... command) {
    ExecResponse r = node.exec(pod, container, command);
    return r.getStdout().toStringUtf8();
  }

  /** Interface names of a /proc/net/dev listing. */
  private static Set<String> links(String procNetDev) {
    return procNetDev.lines().filter(l -> l.contains(":")).map(l -> l.substring(0, l.indexOf(':')).strip())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> hostLinks() throws Exception {
    return Arrays.stream(run("ip", "-o", "link").split("\n")).filter(l -> l.contains(": "))
        .map(l -> l.split(": ")[1].split("@")[0]).collect(Collectors.toCollection(TreeSet::new));
  }

  private static String run(String... cmd) throws Exception {
    return Node.Command.run(cmd).stdout();
  }

  interface Attempt {
    String get() throws Exception;
  }

  /** A connection may need a moment after the pod is ready (portmap's rules, the bridge's ports). */
  private static String retry(Attempt attempt) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      last = attempt.get();
      if (last.contains("200 OK")) {
        return last;
      }
      Thread.sleep(200);
    }
    return last;
  }

  private static String webPod(String name, String body, String ports) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers:
          - name: web
            image: %s
            command: [sh, -c, "mkdir -p /www && echo %s > /www/index.html && ip=$(ip -o -4 addr show eth0 | awk '{print $4}' | cut -d/ -f1) && exec httpd -f -p $ip:8080 -h /www"]
            readinessProbe: {httpGet: {port: 8080}, periodSeconds: 1}
            %s
        """.formatted(name, Node.BUSYBOX, body, ports);
  }

  private static String sleeper(String name, String specLine) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          %s
          terminationGracePeriodSeconds: 0
          containers:
          - name: c
            image: %s
            command: [sleep, "3600"]
        """.formatted(name, specLine.isEmpty() ? "restartPolicy: Always" : specLine, Node.BUSYBOX);
  }
}
