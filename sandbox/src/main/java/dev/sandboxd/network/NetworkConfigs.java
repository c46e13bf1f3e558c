package dev.sandboxd.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads the pod network's configuration as containerd's CRI does: the first .conflist, .conf or
 * .json file of the directory in lexical order; none there, sandboxd's own default list. Also
 * the separate loopback network every pod gets first.
 */
public final class NetworkConfigs {
  /** The default network's name: its host-local reservations and cached results carry it. */
  public static final String DEFAULT_NETWORK = "sandboxd";
  public static final String DEFAULT_BRIDGE = "sandboxd0";
  public static final String DEFAULT_SUBNET = "10.89.0.0/16";
  static final String LOOPBACK_NETWORK = "sandboxd-loopback";

  private static final ObjectMapper JSON = new ObjectMapper();

  private NetworkConfigs() {}

  /** The list for eth0: the conf dir's first file, or the default one keeping IPAM state in dataDir. */
  public static NetworkList load(Path confDir, Path dataDir) {
    Optional<Path> first = firstConfig(confDir);
    if (first.isEmpty()) {
      return parse(defaultList(dataDir), "the default network list");
    }
    try {
      return parse(Files.readAllBytes(first.get()), first.get().toString());
    } catch (IOException e) {
      throw SandboxdException.failedPrecondition("CNI config %s: %s", first.get(), e.getMessage());
    }
  }

  /** lo, through the loopback plugin: a network of its own, as containerd's CRI keeps it. */
  static NetworkList loopback() {
    return parse(("{\"cniVersion\":\"1.0.0\",\"name\":\"" + LOOPBACK_NETWORK + "\",\"plugins\":[{\"type\":\"loopback\"}]}")
        .getBytes(StandardCharsets.UTF_8), "the loopback network");
  }

  static Optional<Path> firstConfig(Path confDir) {
    if (!Files.isDirectory(confDir)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(confDir)) {
      return files.filter(Files::isRegularFile)
          .filter(f -> f.getFileName().toString().matches(".*\\.(conflist|conf|json)"))
          .sorted()
          .findFirst();
    } catch (IOException e) {
      throw SandboxdException.failedPrecondition("reading CNI config dir %s: %s", confDir, e.getMessage());
    }
  }

  /**
   * Bridge with host-local IPAM on a private /16, gateway and default route, masquerade and
   * hairpin; portmap for hostPorts. Its own name, bridge and data dir, so it never shares IPAM
   * state or cached results with containerd's CRI.
   */
  static byte[] defaultList(Path dataDir) {
    ObjectNode list = JSON.createObjectNode().put("cniVersion", "1.1.0").put("name", DEFAULT_NETWORK);
    ArrayNode plugins = list.putArray("plugins");
    ObjectNode bridge = plugins.addObject().put("type", "bridge").put("bridge", DEFAULT_BRIDGE)
        .put("isGateway", true).put("ipMasq", true).put("hairpinMode", true);
    ObjectNode ipam = bridge.putObject("ipam").put("type", "host-local").put("dataDir", dataDir.toString());
    ipam.putArray("ranges").addArray().addObject().put("subnet", DEFAULT_SUBNET);
    ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
    plugins.addObject().put("type", "portmap").putObject("capabilities").put("portMappings", true);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(list);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A .conflist, or a single plugin's .conf made into a list of one; where names the source in errors. */
  static NetworkList parse(byte[] bytes, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw bad(where, "not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw bad(where, e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw bad(where, "not a JSON object");
    }
    String name = text(root, "name", where);
    String version = text(root, "cniVersion", where);
    List<ObjectNode> plugins = new ArrayList<>();
    if (root.has("plugins")) {
      JsonNode items = root.get("plugins");
      if (!items.isArray() || items.isEmpty()) {
        throw bad(where, "\"plugins\" must be a non-empty list");
      }
      for (JsonNode p : items) {
        if (!p.isObject()) {
          throw bad(where, "every entry of \"plugins\" must be an object");
        }
        plugins.add((ObjectNode) p);
      }
    } else {
      plugins.add((ObjectNode) root);
    }
    for (int i = 0; i < plugins.size(); i++) {
      JsonNode type = plugins.get(i).get("type");
      if (type == null || !type.isTextual() || type.asText().isEmpty() || type.asText().contains("/")) {
        throw bad(where, "plugins[" + i + "].type must be a plugin name");
      }
    }
    return new NetworkList(name, version, plugins, bytes);
  }

  private static String text(JsonNode root, String field, String where) {
    JsonNode v = root.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw bad(where, "\"" + field + "\" is required");
    }
    return v.asText();
  }

  private static SandboxdException bad(String where, String problem) {
    return SandboxdException.failedPrecondition("CNI config %s: %s", where, problem);
  }
}
