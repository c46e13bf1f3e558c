package dev.sandboxd.containerd.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parses the JSON documents of an OCI image (layout file, index, manifest, config) into the few
 * fields an import and unpack need. Errors name the document and the field.
 */
final class OciDocuments {
  /** The only image layout version there is (image-spec v1). */
  static final String LAYOUT_VERSION = "1.0.0";

  private static final Pattern DIGEST =
      Pattern.compile("sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}");

  record IndexEntry(Descriptor descriptor, Optional<Platform> platform) {}

  record Manifest(Descriptor config, List<Descriptor> layers) {}

  /** @param platform os/architecture/variant as the config states them (may be empty strings) */
  record Config(Platform platform, String rootfsType, List<String> diffIds) {}

  private final ObjectMapper json = new ObjectMapper();

  static boolean isDigest(String s) {
    return DIGEST.matcher(s).matches();
  }

  String layoutVersion(byte[] doc, String where) {
    return text(parse(doc, where), "imageLayoutVersion", where);
  }

  List<IndexEntry> index(byte[] doc, String where) {
    JsonNode root = parse(doc, where);
    JsonNode manifests = root.path("manifests");
    if (!manifests.isArray()) {
      throw invalid(where, "manifests", "must be a list");
    }
    List<IndexEntry> entries = new ArrayList<>();
    for (int i = 0; i < manifests.size(); i++) {
      String field = "manifests[" + i + "]";
      JsonNode m = manifests.get(i);
      Optional<Platform> platform = Optional.empty();
      JsonNode p = m.path("platform");
      if (p.isObject()) {
        platform =
            Optional.of(
                new Platform(
                    p.path("os").asText(""), p.path("architecture").asText(""), p.path("variant").asText("")));
      }
      entries.add(new IndexEntry(descriptor(m, where, field), platform));
    }
    return entries;
  }

  Manifest manifest(byte[] doc, String where) {
    JsonNode root = parse(doc, where);
    Descriptor config = descriptor(root.path("config"), where, "config");
    JsonNode layers = root.path("layers");
    if (!layers.isArray()) {
      throw invalid(where, "layers", "must be a list");
    }
    List<Descriptor> descriptors = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      descriptors.add(descriptor(layers.get(i), where, "layers[" + i + "]"));
    }
    return new Manifest(config, descriptors);
  }

  Config config(byte[] doc, String where) {
    JsonNode root = parse(doc, where);
    JsonNode rootfs = root.path("rootfs");
    JsonNode diffIds = rootfs.path("diff_ids");
    List<String> ids = new ArrayList<>();
    if (!diffIds.isMissingNode() && !diffIds.isArray()) {
      throw invalid(where, "rootfs.diff_ids", "must be a list");
    }
    for (int i = 0; i < diffIds.size(); i++) {
      String id = diffIds.get(i).asText("");
      if (!isDigest(id)) {
        throw invalid(where, "rootfs.diff_ids[" + i + "]", "is not a digest: " + id);
      }
      ids.add(id);
    }
    Platform platform =
        new Platform(
            root.path("os").asText(""), root.path("architecture").asText(""), root.path("variant").asText(""));
    return new Config(platform, rootfs.path("type").asText(""), ids);
  }

  private Descriptor descriptor(JsonNode node, String where, String field) {
    if (!node.isObject()) {
      throw invalid(where, field, "must be a descriptor object");
    }
    String digest = node.path("digest").asText("");
    if (!isDigest(digest)) {
      throw invalid(where, field + ".digest", "is not a digest: " + digest);
    }
    JsonNode size = node.path("size");
    if (!size.canConvertToLong() || size.asLong() < 0) {
      throw invalid(where, field + ".size", "must be a non-negative number");
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    node.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
    return new Descriptor(node.path("mediaType").asText(""), digest, size.asLong(), annotations);
  }

  private JsonNode parse(byte[] doc, String where) {
    try {
      JsonNode root = json.readTree(doc);
      if (root == null || !root.isObject()) {
        throw SandboxdException.invalidArgument("%s: not a JSON object", where);
      }
      return root;
    } catch (JsonProcessingException e) {
      throw SandboxdException.invalidArgument("%s: invalid JSON: %s", where, e.getOriginalMessage());
    } catch (IOException e) {
      throw SandboxdException.invalidArgument("%s: unreadable: %s", where, e.getMessage());
    }
  }

  private static String text(JsonNode root, String field, String where) {
    JsonNode n = root.path(field);
    if (!n.isTextual()) {
      throw invalid(where, field, "must be a string");
    }
    return n.asText();
  }

  private static SandboxdException invalid(String where, String field, String problem) {
    return SandboxdException.invalidArgument("%s: %s: %s", where, field, problem);
  }
}
