package dev.sandboxd.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.system.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * libcni's result cache, in its format: {@code <dir>/results/<network>-<containerID>-<ifname>}
 * (directory 0700, file 0600) holding the list's config, the netns, CNI args, capability args and
 * the final ADD result. DEL reads it for prevResult and the same capability args; recovery lists
 * it to find attachments nobody owns. Written only after a whole ADD succeeded.
 */
public final class ResultCache {
  private static final String KIND = "cniCacheV1";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One cached attachment. */
  public record Entry(String networkName, byte[] config, CniPlugins.RuntimeConf runtime, JsonNode result) {}

  private final Path dir;

  public ResultCache(Path cacheDir) {
    this.dir = cacheDir.resolve("results");
  }

  Path file(String network, String containerId, String ifName) {
    return dir.resolve(network + "-" + containerId + "-" + ifName);
  }

  public void write(Entry e) {
    CniPlugins.RuntimeConf rt = e.runtime();
    ObjectNode root = JSON.createObjectNode().put("kind", KIND).put("containerId", rt.containerId())
        .put("config", Base64.getEncoder().encodeToString(e.config())).put("ifName", rt.ifName())
        .put("networkName", e.networkName());
    if (!rt.netns().isEmpty()) {
      root.put("netns", rt.netns());
    }
    ArrayNode args = root.putArray("cniArgs");
    rt.args().forEach((k, v) -> args.addArray().add(k).add(v));
    root.set("capabilityArgs", JSON.valueToTree(rt.capabilityArgs()));
    root.set("result", e.result());
    Path target = file(e.networkName(), rt.containerId(), rt.ifName());
    try {
      PrivateFiles.directories(dir);
      PrivateFiles.replace(target, JSON.writeValueAsBytes(root));
    } catch (IOException ex) {
      throw SandboxdException.internal("writing CNI result cache " + target + ": " + ex.getMessage(), ex);
    }
  }

  public Optional<Entry> read(String network, String containerId, String ifName) {
    Path f = file(network, containerId, ifName);
    try {
      return Optional.of(parse(Files.readAllBytes(f)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      throw SandboxdException.internal("reading CNI result cache " + f + ": " + e.getMessage(), e);
    }
  }

  public void delete(String network, String containerId, String ifName) {
    Path f = file(network, containerId, ifName);
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      throw SandboxdException.internal("removing CNI result cache " + f + ": " + e.getMessage(), e);
    }
  }

  /**
   * Removes the temporary files of writes a crash cut short. An entry is renamed into place only
   * when whole, so a temporary file at start-up belongs to no entry: its attachment is released
   * like any ADD cut short, from the pod's record and without a cached result.
   */
  public void removeInterruptedWrites() {
    try {
      PrivateFiles.removeInterruptedReplaces(dir);
    } catch (IOException e) {
      throw SandboxdException.internal("cleaning CNI result cache " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Every cached attachment; an unreadable file is skipped (nothing could DEL it anyway). */
  public List<Entry> list() {
    return entries(name -> true);
  }

  /**
   * The attachments of one container, reading no other container's files: a pod's DEL costs the
   * same with one pod on the node or a hundred.
   */
  public List<Entry> listOf(String containerId) {
    String infix = "-" + containerId + "-";
    return entries(name -> name.contains(infix)).stream()
        .filter(e -> e.runtime().containerId().equals(containerId))
        .toList();
  }

  /** How many attachments of this interface name are cached, from the file names alone. */
  public int count(String ifName) {
    String suffix = "-" + ifName;
    try (Stream<Path> files = listing()) {
      return (int) files.filter(f -> f.getFileName().toString().endsWith(suffix)).count();
    }
  }

  private List<Entry> entries(Predicate<String> fileName) {
    List<Entry> out = new ArrayList<>();
    try (Stream<Path> files = listing()) {
      files.filter(f -> fileName.test(f.getFileName().toString())).forEach(f -> {
        try {
          out.add(parse(Files.readAllBytes(f)));
        } catch (IOException | RuntimeException e) {
          System.getLogger("dev.sandboxd.network").log(System.Logger.Level.WARNING,
              "skipping unreadable CNI result cache " + f + ": " + e.getMessage());
        }
      });
    }
    return out;
  }

  /** The entry files (temporary ones left out); none before the first write. */
  private Stream<Path> listing() {
    if (!Files.isDirectory(dir)) {
      return Stream.empty();
    }
    try {
      return Files.list(dir).filter(f -> !f.getFileName().toString().startsWith("."));
    } catch (IOException e) {
      throw SandboxdException.internal("listing CNI result cache " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Entry parse(byte[] bytes) throws IOException {
    JsonNode root = JSON.readTree(bytes);
    if (root == null || !KIND.equals(root.path("kind").asText())) {
      throw new IOException("not a " + KIND + " entry");
    }
    Map<String, String> args = new LinkedHashMap<>();
    root.path("cniArgs").forEach(pair -> args.put(pair.path(0).asText(), pair.path(1).asText()));
    @SuppressWarnings("unchecked")
    Map<String, Object> caps = root.has("capabilityArgs") ? JSON.convertValue(root.get("capabilityArgs"), Map.class) : Map.of();
    CniPlugins.RuntimeConf rt = new CniPlugins.RuntimeConf(root.path("containerId").asText(), root.path("netns").asText(""),
        root.path("ifName").asText(), args, caps);
    return new Entry(root.path("networkName").asText(), Base64.getDecoder().decode(root.path("config").asText()), rt,
        root.get("result"));
  }
}
