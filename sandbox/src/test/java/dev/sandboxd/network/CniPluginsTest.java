package dev.sandboxd.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.metrics.SandboxdMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CNI contract against fake plugin scripts: env, stdin, chaining, runtimeConfig, errors. */
class CniPluginsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  FakePlugins fake;
  CniPlugins plugins;

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakePlugins(dir);
    plugins = new CniPlugins(List.of(dir.resolve("missing"), fake.bin), new ProcessPluginExec(), SandboxdMetrics.NONE);
  }

  static NetworkList list(String json) {
    return NetworkConfigs.parse(json.getBytes(StandardCharsets.UTF_8), "test");
  }

  static CniPlugins.RuntimeConf runtime(Map<String, Object> capabilities) {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("K8S_POD_NAMESPACE", "default");
    args.put("K8S_POD_NAME", "web");
    return new CniPlugins.RuntimeConf("sb1", "/run/netns/sb1", "eth0", args, capabilities);
  }

  static final NetworkList TWO = list("{\"cniVersion\":\"1.1.0\",\"name\":\"net1\",\"plugins\":["
      + "{\"type\":\"first\",\"mtu\":1400},"
      + "{\"type\":\"second\",\"capabilities\":{\"portMappings\":true}}]}");

  @Test
  void addRunsThePluginsInOrderWithTheirEnvironmentAndChainsPrevResult() throws Exception {
    fake.ok("first", "{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.1.0.5/24\"}],\"by\":\"first\"}")
        .ok("second", "{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.1.0.5/24\"}],\"by\":\"second\"}");
    JsonNode result = plugins.add(TWO, runtime(Map.of()));

    assertEquals(List.of("first ADD", "second ADD"), fake.order());
    assertEquals("second", result.path("by").asText());
    List<String> env = fake.env("first", "ADD");
    assertTrue(env.contains("CNI_COMMAND=ADD"), env::toString);
    assertTrue(env.contains("CNI_CONTAINERID=sb1"), env::toString);
    assertTrue(env.contains("CNI_NETNS=/run/netns/sb1"), env::toString);
    assertTrue(env.contains("CNI_IFNAME=eth0"), env::toString);
    assertTrue(env.contains("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web"), env::toString);
    assertTrue(env.contains("CNI_PATH=" + dir.resolve("missing") + ":" + fake.bin), env::toString);
    // nothing of sandboxd's own environment but PATH
    assertTrue(env.stream().allMatch(l -> l.startsWith("CNI_") || l.startsWith("PATH=") || l.startsWith("PWD=")
        || l.startsWith("SHLVL=") || l.startsWith("_=")), env::toString);

    JsonNode first = JSON.readTree(fake.stdin("first", "ADD"));
    assertEquals("net1", first.path("name").asText());
    assertEquals("1.1.0", first.path("cniVersion").asText());
    assertEquals(1400, first.path("mtu").asInt());
    assertFalse(first.has("prevResult"), "the first plugin gets no prevResult");
    JsonNode second = JSON.readTree(fake.stdin("second", "ADD"));
    assertEquals("first", second.path("prevResult").path("by").asText());
  }

  @Test
  void runtimeConfigCarriesOnlyTheCapabilitiesAPluginDeclares() throws Exception {
    fake.ok("first", "{\"cniVersion\":\"1.1.0\"}").ok("second", "{\"cniVersion\":\"1.1.0\"}");
    List<Map<String, Object>> ports = List.of(Map.of("hostPort", 8080, "containerPort", 80, "protocol", "tcp"));
    plugins.add(TWO, runtime(Map.of("portMappings", ports, "bandwidth", Map.of("ingressRate", 1))));

    assertFalse(JSON.readTree(fake.stdin("first", "ADD")).has("runtimeConfig"));
    JsonNode rc = JSON.readTree(fake.stdin("second", "ADD")).path("runtimeConfig");
    assertEquals(8080, rc.path("portMappings").path(0).path("hostPort").asInt());
    assertEquals("tcp", rc.path("portMappings").path(0).path("protocol").asText());
    assertFalse(rc.has("bandwidth"), "not declared by the plugin");
  }

  @Test
  void delRunsInReverseWithTheCachedResultAsPrevResult() throws Exception {
    fake.ok("first", "{}").ok("second", "{}");
    JsonNode cached = JSON.readTree("{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.1.0.5/24\"}]}");
    plugins.del(TWO, runtime(Map.of()), cached);

    assertEquals(List.of("second DEL", "first DEL"), fake.order());
    assertEquals("10.1.0.5/24", JSON.readTree(fake.stdin("first", "DEL")).path("prevResult").path("ips").path(0)
        .path("address").asText());
    assertTrue(fake.env("second", "DEL").contains("CNI_COMMAND=DEL"));
  }

  @Test
  void anErrorObjectOnStdoutNamesTheNetworkThePluginAndItsMessageAndStopsTheChain() throws Exception {
    fake.failing("first", "ADD", "{\"cniVersion\":\"1.1.0\",\"code\":7,\"msg\":\"invalid bridge name\",\"details\":\"too long\"}")
        .ok("second", "{}");
    SandboxdException e = assertThrows(SandboxdException.class, () -> plugins.add(TWO, runtime(Map.of())));

    assertInstanceOf(SandboxdException.FailedPrecondition.class, e);
    assertEquals("CNI network \"net1\": plugin \"first\" ADD failed: invalid bridge name: too long (code 7)", e.getMessage());
    assertEquals(List.of("first ADD"), fake.order());
  }

  @Test
  void tryAgainLaterIsUnavailableAndStderrIsTheFallbackMessage() throws Exception {
    fake.failing("first", "ADD", "{\"code\":11,\"msg\":\"busy\"}");
    assertInstanceOf(SandboxdException.Unavailable.class, assertThrows(SandboxdException.class,
        () -> plugins.add(TWO, runtime(Map.of()))));

    fake.script("first", "echo 'panic: nil map' >&2\nexit 2\n");
    SandboxdException e = assertThrows(SandboxdException.class, () -> plugins.add(TWO, runtime(Map.of())));
    assertEquals("CNI network \"net1\": plugin \"first\" ADD failed: panic: nil map", e.getMessage());
  }

  @Test
  void aMissingPluginIsNamedOnAddAndPassedOverOnDel() throws Exception {
    fake.ok("first", "{\"cniVersion\":\"1.1.0\"}");
    SandboxdException e = assertThrows(SandboxdException.class, () -> plugins.add(TWO, runtime(Map.of())));
    assertEquals("CNI network \"net1\": plugin \"second\" not found in " + dir.resolve("missing") + ":" + fake.bin
        + " (--cni-bin-dir)", e.getMessage());

    plugins.del(TWO, runtime(Map.of()), null);
    assertEquals(List.of("first ADD", "first DEL"), fake.order(), "first's reservation is still freed");
  }

  @Test
  void gcGoesToEveryPluginWithTheValidAttachmentsPastErrors() throws Exception {
    fake.failing("first", "GC", "{\"code\":999,\"msg\":\"oops\"}").ok("second", "{}");
    List<String> errors = plugins.gc(TWO, List.of(new CniPlugins.AttachmentKey("sb1", "eth0")));

    assertEquals(List.of("first GC", "second GC"), fake.order());
    assertEquals(1, errors.size());
    JsonNode stdin = JSON.readTree(fake.stdin("second", "GC"));
    assertEquals("sb1", stdin.path("cni.dev/valid-attachments").path(0).path("containerID").asText());
    assertEquals("eth0", stdin.path("cni.dev/attachments").path(0).path("ifname").asText());
    assertTrue(fake.env("second", "GC").stream().noneMatch(l -> l.startsWith("CNI_CONTAINERID=")));
  }
}
