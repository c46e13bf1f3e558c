package dev.sandboxd.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultCacheTest {
  @TempDir Path tmp;

  private static ResultCache.Entry entry(String network, String containerId, String ifName) {
    return new ResultCache.Entry(network, "{}".getBytes(StandardCharsets.UTF_8),
        new CniPlugins.RuntimeConf(containerId, "/run/netns/" + containerId, ifName, Map.of(), Map.of()),
        JsonNodeFactory.instance.objectNode().put("cniVersion", "1.1.0"));
  }

  @Test
  void aContainersEntriesAreFoundWithoutAnotherContainersWhoseIdContainsItsOwn() {
    ResultCache cache = new ResultCache(tmp);
    cache.write(entry("sandboxd", "abc", "eth0"));
    cache.write(entry("sandboxd-loopback", "abc", "lo"));
    cache.write(entry("sandboxd", "abcd", "eth0"));
    cache.write(entry("my-net", "xabc", "eth0"));

    List<String> ifNames = cache.listOf("abc").stream().map(e -> e.runtime().ifName()).sorted().toList();

    assertEquals(List.of("eth0", "lo"), ifNames);
    assertEquals(List.of("abcd"), cache.listOf("abcd").stream().map(e -> e.runtime().containerId()).toList());
    assertEquals(4, cache.list().size());
  }

  @Test
  void attachmentsOfAnInterfaceAreCountedFromTheFileNames() throws Exception {
    ResultCache cache = new ResultCache(tmp);
    assertEquals(0, cache.count("eth0"), "no cache directory yet");
    cache.write(entry("sandboxd", "abc", "eth0"));
    cache.write(entry("sandboxd-loopback", "abc", "lo"));
    cache.write(entry("sandboxd", "def", "eth0"));
    Files.writeString(tmp.resolve("results/.sandboxd-ghi-eth0.tmp"), "half"); // an interrupted write

    assertEquals(2, cache.count("eth0"));
    assertEquals(1, cache.count("lo"));
  }
}
