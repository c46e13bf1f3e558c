package dev.sandboxd.containerd.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.containerd.Descriptor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Builds OCI image layout archives for tests: layers, configs, manifests, indexes. */
final class OciArchiveBuilder {
  static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
  static final String LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

  /** A layer blob and the digest of its uncompressed tar. */
  record Layer(Descriptor descriptor, String diffId) {}

  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, byte[]> blobs = new LinkedHashMap<>();
  private final List<Map<String, Object>> index = new ArrayList<>();

  Layer layer(String fileName, String content, boolean gzip) {
    byte[] tar = new TarBuilder().file(fileName, content).build();
    byte[] blob = gzip ? gzip(tar) : tar;
    return new Layer(blob(gzip ? LAYER_GZIP : LAYER_TAR, blob), FakeContainerd.sha256(tar));
  }

  Descriptor config(String architecture, List<Layer> layers) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architecture", architecture);
    config.put("os", "linux");
    config.put("config", Map.of("Cmd", List.of("sh"), "Env", List.of("PATH=/bin")));
    config.put("rootfs", Map.of("type", "layers", "diff_ids", layers.stream().map(Layer::diffId).toList()));
    return blob(MediaTypes.OCI_CONFIG, write(config));
  }

  Descriptor manifest(Descriptor config, List<Layer> layers) {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
    manifest.put("config", descriptorJson(config, null));
    manifest.put("layers", layers.stream().map(l -> descriptorJson(l.descriptor(), null)).toList());
    return blob(MediaTypes.OCI_MANIFEST, write(manifest));
  }

  /** An image index blob listing manifests, each with its architecture. */
  Descriptor index(Map<Descriptor, String> manifests) {
    List<Object> entries = new ArrayList<>();
    manifests.forEach((m, arch) -> entries.add(descriptorJson(m, arch)));
    return blob(MediaTypes.OCI_INDEX, write(Map.of("schemaVersion", 2, "mediaType", MediaTypes.OCI_INDEX, "manifests", entries)));
  }

  /** An index.json entry; {@code annotations} may name the image. */
  OciArchiveBuilder entry(Descriptor target, String architecture, Map<String, String> annotations) {
    Map<String, Object> e = descriptorJson(target, architecture);
    if (!annotations.isEmpty()) {
      e.put("annotations", annotations);
    }
    index.add(e);
    return this;
  }

  /** The archive: layout file, index.json, then the blobs in the order given. */
  TarBuilder tar() {
    TarBuilder tar = new TarBuilder().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    tar.file("index.json", write(Map.of("schemaVersion", 2, "manifests", index)));
    tar.dir("blobs/").dir("blobs/sha256/");
    blobs.forEach((digest, data) -> tar.file("blobs/sha256/" + digest.substring("sha256:".length()), data));
    return tar;
  }

  byte[] build() {
    return tar().build();
  }

  Descriptor blob(String mediaType, byte[] data) {
    String digest = FakeContainerd.sha256(data);
    blobs.put(digest, data);
    return new Descriptor(mediaType, digest, data.length);
  }

  private Map<String, Object> descriptorJson(Descriptor d, String architecture) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mediaType", d.mediaType());
    m.put("digest", d.digest());
    m.put("size", d.size());
    if (architecture != null) {
      m.put("platform", Map.of("os", "linux", "architecture", architecture));
    }
    return m;
  }

  private byte[] write(Object value) {
    try {
      return json.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
