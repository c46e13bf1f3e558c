package dev.sandboxd.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.metrics.SandboxdMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attach, detach and recovery of the CNI pod network against fake plugins and fake pins. */
class CniPodNetworkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String LIST = "{\"cniVersion\":\"1.1.0\",\"name\":\"podnet\",\"plugins\":["
      + "{\"type\":\"bridge\"},{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}]}";

  @TempDir Path dir;
  FakePlugins fake;
  Path netnsDir;
  Path cacheDir;
  final List<String> pinCalls = new ArrayList<>();
  CniPodNetwork network;

  /** Pins as plain files, so no root is needed. */
  final NetnsPins pins = new NetnsPins() {
    @Override
    public void create(Path file) {
      pinCalls.add("create " + file.getFileName());
      try {
        Files.createDirectories(file.getParent());
        Files.createFile(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void remove(Path file) {
      pinCalls.add("remove " + file.getFileName());
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakePlugins(dir);
    fake.ok("loopback", "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"lo\"}]}")
        .ok("bridge", "{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"fd00::5/64\"},{\"address\":\"10.1.0.5/24\"}]}")
        .ok("portmap", "{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"fd00::5/64\"},{\"address\":\"10.1.0.5/24\"}]}");
    netnsDir = dir.resolve("netns");
    cacheDir = dir.resolve("cache");
    network = new CniPodNetwork(() -> NetworkConfigs.parse(LIST.getBytes(), "test"), netnsDir, pins,
        new CniPlugins(List.of(fake.bin), new ProcessPluginExec(), SandboxdMetrics.NONE), new ResultCache(cacheDir),
        SandboxdMetrics.NONE);
  }

  Attachment attachment(String id) {
    return new Attachment(id, netnsDir.resolve(id).toString(), "default", "web", "uid-1",
        List.of(new Attachment.PortMapping(8080, 80, "tcp", "")));
  }

  List<String> cached() throws IOException {
    Path results = cacheDir.resolve("results");
    if (!Files.exists(results)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(results)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void attachAddsLoopbackThenTheListAndCachesBothAsLibcniDoes() throws Exception {
    String netns = network.createNamespace("sb1").orElseThrow();
    NetworkStatus status = network.attach(attachment("sb1"));

    assertEquals(netnsDir.resolve("sb1").toString(), netns);
    assertEquals(List.of("loopback ADD", "bridge ADD", "portmap ADD"), fake.order());
    assertEquals(List.of("10.1.0.5", "fd00::5"), status.ips(), "IPv4 first, no prefix length");
    assertTrue(fake.env("loopback", "ADD").contains("CNI_IFNAME=lo"));
    assertTrue(fake.env("bridge", "ADD").contains(
        "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=sb1;K8S_POD_UID=uid-1"));
    assertEquals(List.of("podnet-sb1-eth0", "sandboxd-loopback-sb1-lo"), cached());
    Path results = cacheDir.resolve("results");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(results)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(results.resolve("podnet-sb1-eth0"))));
    JsonNode entry = JSON.readTree(results.resolve("podnet-sb1-eth0").toFile());
    assertEquals("cniCacheV1", entry.path("kind").asText());
    assertEquals("sb1", entry.path("containerId").asText());
    assertEquals(netns, entry.path("netns").asText());
    assertEquals(8080, entry.path("capabilityArgs").path("portMappings").path(0).path("hostPort").asInt());
    assertEquals("10.1.0.5/24", entry.path("result").path("ips").path(1).path("address").asText());
  }

  @Test
  void detachDelsWithTheCachedResultAndSamePortMappingsBeforeTheNamespaceGoes() throws Exception {
    network.createNamespace("sb1");
    network.attach(attachment("sb1"));
    // A detach that knows no ports any more (a record whose manifest no longer parses): the cache has them.
    network.detach(new Attachment("sb1", netnsDir.resolve("sb1").toString(), "default", "web", "uid-1", List.of()));

    assertEquals(List.of("loopback ADD", "bridge ADD", "portmap ADD", "portmap DEL", "bridge DEL", "loopback DEL"),
        fake.order());
    JsonNode portmapDel = JSON.readTree(fake.stdin("portmap", "DEL"));
    assertEquals(8080, portmapDel.path("runtimeConfig").path("portMappings").path(0).path("hostPort").asInt());
    assertEquals("10.1.0.5/24", portmapDel.path("prevResult").path("ips").path(1).path("address").asText());
    assertTrue(fake.env("bridge", "DEL").contains("CNI_NETNS=" + netnsDir.resolve("sb1")), "netns still there at DEL");
    assertEquals(List.of("create sb1", "remove sb1"), pinCalls);
    assertEquals(List.of(), cached());
    assertFalse(Files.exists(netnsDir.resolve("sb1")));
  }

  @Test
  void aFailedAddIsFollowedByADelAndLeavesNoCacheEntryOfIt() throws Exception {
    fake.failing("portmap", "ADD", "{\"code\":5,\"msg\":\"iptables: not found\"}");
    network.createNamespace("sb1");
    SandboxdException e = assertThrows(SandboxdException.class, () -> network.attach(attachment("sb1")));

    assertEquals("CNI network \"podnet\": plugin \"portmap\" ADD failed: iptables: not found (code 5)", e.getMessage());
    assertEquals(List.of("loopback ADD", "bridge ADD", "portmap ADD", "portmap DEL", "bridge DEL", "loopback DEL"),
        fake.order());
    assertFalse(JSON.readTree(fake.stdin("bridge", "DEL")).has("prevResult"), "no cached result of a failed ADD");
    assertEquals(List.of(), cached());
    network.detach(attachment("sb1"));
    assertFalse(Files.exists(netnsDir.resolve("sb1")));
  }

  @Test
  void collectGarbageReleasesWhatNoLivePodOwnsThenSendsGcWithTheValidOnes() throws Exception {
    for (String id : List.of("live", "dead")) {
      network.createNamespace(id);
      network.attach(attachment(id));
    }
    network.createNamespace("never-attached");
    Files.delete(netnsDir.resolve("dead")); // gone with a reboot: DEL runs without it
    // a write a SIGKILL cut short, before its rename into place
    Files.writeString(cacheDir.resolve("results/.podnet-cut-eth0.tmp"), "{\"kind\":\"cniCa");
    Files.writeString(fake.calls.resolve("order"), "");

    network.collectGarbage(Set.of("live"));

    List<String> order = fake.order().stream().filter(l -> !l.isEmpty()).toList();
    assertTrue(order.containsAll(List.of("portmap DEL", "bridge DEL", "loopback DEL")), order::toString);
    assertTrue(fake.env("bridge", "DEL").contains("CNI_NETNS="), "a missing namespace is passed as \"\"");
    assertTrue(fake.env("bridge", "DEL").contains("CNI_CONTAINERID=dead"));
    assertEquals(List.of("podnet-live-eth0", "sandboxd-loopback-live-lo"), cached(), "no leftover temporary file either");
    assertFalse(Files.exists(netnsDir.resolve("never-attached")));
    assertTrue(Files.exists(netnsDir.resolve("live")));
    assertEquals(List.of("bridge GC", "portmap GC"), order.subList(order.size() - 2, order.size()));
    JsonNode gc = JSON.readTree(fake.stdin("bridge", "GC"));
    assertEquals(1, gc.path("cni.dev/valid-attachments").size());
    assertEquals("live", gc.path("cni.dev/valid-attachments").path(0).path("containerID").asText());
  }

  @Test
  void theConfDirsFirstFileWinsAndAConfIsAListOfOne() throws Exception {
    Path conf = Files.createDirectories(dir.resolve("net.d"));
    Path data = dir.resolve("data");
    assertEquals(NetworkConfigs.DEFAULT_NETWORK, NetworkConfigs.load(conf, data).name(), "empty dir: the default");
    Files.writeString(conf.resolve("20-b.conflist"), LIST);
    Files.writeString(conf.resolve("10-a.conf"), "{\"cniVersion\":\"1.0.0\",\"name\":\"single\",\"type\":\"bridge\"}");
    Files.writeString(conf.resolve("00-ignored.txt"), "nope");
    NetworkList list = NetworkConfigs.load(conf, data);
    assertEquals("single", list.name());
    assertEquals(List.of("bridge"), list.plugins().stream().map(NetworkList::type).toList());
    assertFalse(list.supportsGc());

    Files.writeString(conf.resolve("05-bad.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[{}]}");
    SandboxdException e = assertThrows(SandboxdException.class, () -> NetworkConfigs.load(conf, data));
    assertEquals("CNI config " + conf.resolve("05-bad.conflist") + ": plugins[0].type must be a plugin name", e.getMessage());
    Files.writeString(conf.resolve("05-bad.conflist"), "{not json");
    assertTrue(assertThrows(SandboxdException.class, () -> NetworkConfigs.load(conf, data)).getMessage()
        .startsWith("CNI config " + conf.resolve("05-bad.conflist") + ": not JSON"));
  }

  @Test
  void theDefaultListIsABridgeWithItsOwnNameAndDataDirAndPortmap() throws Exception {
    NetworkList list = NetworkConfigs.load(dir.resolve("absent"), dir.resolve("data"));
    assertEquals("sandboxd", list.name());
    assertTrue(list.supportsGc());
    JsonNode bridge = list.plugins().get(0);
    assertEquals("bridge", bridge.path("type").asText());
    assertEquals("sandboxd0", bridge.path("bridge").asText());
    assertTrue(bridge.path("ipMasq").asBoolean() && bridge.path("isGateway").asBoolean() && bridge.path("hairpinMode").asBoolean());
    assertEquals(dir.resolve("data").toString(), bridge.path("ipam").path("dataDir").asText());
    assertEquals("10.89.0.0/16", bridge.path("ipam").path("ranges").path(0).path(0).path("subnet").asText());
    assertEquals("0.0.0.0/0", bridge.path("ipam").path("routes").path(0).path("dst").asText());
    assertEquals(Map.of("portMappings", true), JSON.convertValue(list.plugins().get(1).path("capabilities"), Map.class));
  }
}
