package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.Event;
import dev.sandboxd.api.v1.EventsRequest;
import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.RunPodRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every container of a pod, init containers too, sees kubelet's /etc/hosts, /etc/resolv.conf and
 * /etc/hostname for its dnsPolicy, dnsConfig, hostAliases, hostname and subdomain; ClusterFirst
 * without --cluster-dns falls back to the node's resolver with a warning event; a bad dnsConfig is
 * refused naming the field, with nothing created. One node, whose --resolv-conf is the test's.
 */
class PodFilesE2E {
  static final String LOCALHOST = """
      # Kubernetes-managed hosts file.
      127.0.0.1\tlocalhost
      ::1\tlocalhost ip6-localhost ip6-loopback
      fe00::0\tip6-localnet
      fe00::0\tip6-mcastprefix
      fe00::1\tip6-allnodes
      fe00::2\tip6-allrouters
      """;
  static final String NODE_RESOLV = "# the test's node\nnameserver 192.0.2.53\nsearch corp.example.\noptions ndots:2\n";
  static final String NODE_DEFAULT = "search corp.example\nnameserver 192.0.2.53\noptions ndots:2\n";

  private static Path nodeFiles;
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    nodeFiles = Files.createTempDirectory("podfiles-e2e");
    Path resolv = Files.writeString(nodeFiles.resolve("resolv.conf"), NODE_RESOLV);
    node = Node.start("podfiles", "--resolv-conf", resolv.toString());
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
    if (nodeFiles != null) {
      Files.deleteIfExists(nodeFiles.resolve("resolv.conf"));
      Files.deleteIfExists(nodeFiles);
    }
  }

  private static String cat(String pod, String container, String file) {
    ExecResponse r = node.exec(pod, container, "cat", file);
    assertEquals(0, r.getExitCode(), file + ": " + r.getStderr().toStringUtf8());
    return r.getStdout().toStringUtf8();
  }

  private static Pod runUntilRunning(String manifest, String ref) throws InterruptedException {
    node.run(manifest);
    return node.waitFor(ref, p -> p.getStatus().getPhase().equals("Running"));
  }

  @Test
  void defaultPolicyWithHostAliasesHostnameAndSubdomainInInitAndAppContainers() throws Exception {
    runUntilRunning("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web-0, namespace: shop}
        spec:
          hostname: db-1
          subdomain: dbs
          dnsPolicy: Default
          hostAliases:
          - {ip: 127.0.0.2, hostnames: [foo.local, bar.local]}
          - {ip: "fd00::1", hostnames: [six.local]}
          initContainers:
          - name: init
            image: %1$s
            command: [sh, -c, "cp /etc/hosts /etc/resolv.conf /etc/hostname /seen/"]
            volumeMounts: [{name: seen, mountPath: /seen}]
          containers:
          - name: app
            image: %1$s
            command: [sleep, "3600"]
            volumeMounts: [{name: seen, mountPath: /seen}]
          volumes: [{name: seen, emptyDir: {}}]
        """.formatted(Node.BUSYBOX), "shop/web-0");

    String hosts = LOCALHOST + "127.0.1.1\tdb-1.dbs.shop.svc.cluster.local\tdb-1\n"
        + "\n# Entries added by HostAliases.\n127.0.0.2\tfoo.local\tbar.local\nfd00::1\tsix.local\n";
    for (String dir : List.of("/etc/", "/seen/")) {
      String who = dir.equals("/etc/") ? "app container" : "init container";
      assertEquals(hosts, cat("shop/web-0", "app", dir + "hosts"), who);
      assertEquals(NODE_DEFAULT, cat("shop/web-0", "app", dir + "resolv.conf"), who);
      assertEquals("db-1\n", cat("shop/web-0", "app", dir + "hostname"), who);
    }
    assertEquals("db-1\n", node.exec("shop/web-0", "app", "hostname").getStdout().toStringUtf8());
    // the pod's own names and the aliases resolve through the file (nc names the address it tried)
    for (String[] nameAndIp : List.of(new String[] {"db-1.dbs.shop.svc.cluster.local", "127.0.1.1"},
        new String[] {"bar.local", "127.0.0.2"})) {
      ExecResponse nc = node.exec("shop/web-0", "app", "nc", "-w", "1", nameAndIp[0], "1");
      assertTrue(nc.getStderr().toStringUtf8().contains("(" + nameAndIp[1] + ")"), nameAndIp[0] + ": " + nc.getStderr().toStringUtf8());
    }

    String uid = node.inspect("shop/web-0").getMetadata().getUid();
    Path etc = node.dir.resolve("sandboxd/root/pods").resolve(uid).resolve("etc");
    assertEquals(hosts, Files.readString(etc.resolve("hosts")));
    node.removeForce("shop/web-0");
    assertFalse(Files.exists(etc), "the pod's files go with it");
  }

  @Test
  void nonePolicyIsOnlyTheDnsConfigAndAReadOnlyRootKeepsHostsWritable() throws Exception {
    runUntilRunning("""
        apiVersion: v1
        kind: Pod
        metadata: {name: none-dns}
        spec:
          dnsPolicy: None
          dnsConfig:
            nameservers: [1.2.3.4, "2001:db8::53"]
            searches: [ns1.svc.cluster-domain.example, my.dns.search.suffix]
            options: [{name: ndots, value: "2"}, {name: edns0}]
          containers:
          - name: app
            image: %s
            command: [sleep, "3600"]
            securityContext: {readOnlyRootFilesystem: true}
        """.formatted(Node.BUSYBOX), "none-dns");

    assertEquals("search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.2.3.4\n"
        + "nameserver 2001:db8::53\noptions ndots:2 edns0\n", cat("none-dns", "app", "/etc/resolv.conf"));
    assertEquals(LOCALHOST + "127.0.1.1\tnone-dns\n", cat("none-dns", "app", "/etc/hosts"));
    assertEquals("none-dns\n", cat("none-dns", "app", "/etc/hostname"));
    // kubelet mounts hosts read-write; resolv.conf and hostname follow the read-only root
    assertEquals(0, node.exec("none-dns", "app", "sh", "-c", "echo '10.9.9.9\tadded' >> /etc/hosts").getExitCode());
    assertTrue(cat("none-dns", "app", "/etc/hosts").endsWith("10.9.9.9\tadded\n"));
    assertNotEquals(0, node.exec("none-dns", "app", "sh", "-c", "echo x >> /etc/resolv.conf").getExitCode());
    assertNotEquals(0, node.exec("none-dns", "app", "sh", "-c", "echo x >> /etc/hostname").getExitCode());
    node.removeForce("none-dns");
  }

  @Test
  void clusterFirstWithoutClusterDnsFallsBackToTheNodesWithAWarningEvent() throws Exception {
    runUntilRunning("""
        apiVersion: v1
        kind: Pod
        metadata: {name: cluster-first}
        spec:
          containers: [{name: app, image: %s, command: [sleep, "3600"]}]
        """.formatted(Node.BUSYBOX), "cluster-first");

    assertEquals(NODE_DEFAULT, cat("cluster-first", "app", "/etc/resolv.conf"));
    List<Event> warnings = new ArrayList<>();
    node.pods().events(EventsRequest.getDefaultInstance()).forEachRemaining(e -> {
      if (e.getPod().equals("default/cluster-first") && e.getType().equals("Warning")) {
        warnings.add(e);
      }
    });
    assertEquals(1, warnings.size(), warnings.toString());
    assertEquals("MissingClusterDNS", warnings.get(0).getReason());
    assertTrue(warnings.get(0).getMessage().contains("--cluster-dns"), warnings.get(0).getMessage());
    node.removeForce("cluster-first");
  }

  static Stream<Arguments> badDnsConfigs() {
    return Stream.of(
        Arguments.of("None without nameservers", "dnsPolicy: None\n  dnsConfig: {searches: [a.example]}",
            "spec.dnsConfig.nameservers: required"),
        Arguments.of("four nameservers", "dnsConfig: {nameservers: [1.1.1.1, 1.1.1.2, 1.1.1.3, 1.1.1.4]}",
            "spec.dnsConfig.nameservers: must not have more than 3 nameservers"),
        Arguments.of("a nameserver that is no IP", "dnsConfig: {nameservers: [dns.example]}",
            "spec.dnsConfig.nameservers[0]: \"dns.example\" must be a valid IP address"),
        Arguments.of("a host alias that is no IP", "hostAliases: [{ip: 10.0.0.256, hostnames: [x]}]",
            "spec.hostAliases[0].ip"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badDnsConfigs")
  void aBadDnsConfigIsRefusedNamingTheFieldAndNothingIsCreated(String name, String spec, String field) throws Exception {
    String containersBefore = node.ctr("containers", "list", "-q").stdout();
    int podsBefore = node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsCount();
    String manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad-dns}\nspec:\n  " + spec
        + "\n  containers: [{name: app, image: " + Node.BUSYBOX + "}]\n";

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> node.pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains(field), e.getStatus().getDescription());
    assertEquals(containersBefore, node.ctr("containers", "list", "-q").stdout(), "nothing created in containerd");
    assertEquals(podsBefore, node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsCount(), "no pod recorded");
  }
}
