package dev.sandboxd.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pause image archive that hack/build-pause-image puts on the classpath (generate-resources)
 * must be an OCI image layout that containerd imports as is: a broken archive would only show
 * up when the first pod starts on a node.
 */
class PauseImageArchiveTest {

  private static final String ARCHIVE = "/dev/sandboxd/image/pause-image.tar";
  private static final String REF = "/dev/sandboxd/image/pause-image.ref";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, TarEntry> archive;
  private static String ref;

  @BeforeAll
  static void readArchive() throws IOException {
    archive = TarEntry.readAll(resource(ARCHIVE));
    ref = new String(resource(REF), StandardCharsets.UTF_8).strip();
  }

  @Test
  void layoutMarkerDeclaresVersion1() throws IOException {
    JsonNode layout = JSON.readTree(file("oci-layout"));
    assertEquals("1.0.0", layout.path("imageLayoutVersion").asText());
  }

  @Test
  void indexNamesTheImageForContainerdAndOci() throws IOException {
    assertTrue(ref.startsWith("localhost/sandboxd/pause:"), ref);
    JsonNode manifests = JSON.readTree(file("index.json")).path("manifests");
    assertEquals(1, manifests.size());
    JsonNode descriptor = manifests.get(0);
    assertEquals("application/vnd.oci.image.manifest.v1+json", descriptor.path("mediaType").asText());
    assertEquals(ref, descriptor.path("annotations").path("io.containerd.image.name").asText());
    assertEquals(ref.substring(ref.lastIndexOf(':') + 1),
        descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText());
    assertEquals("linux", descriptor.path("platform").path("os").asText());
  }

  @Test
  void configRunsPauseAsUnprivilegedUser() throws IOException {
    JsonNode config = JSON.readTree(blob(manifest().path("config")));
    assertEquals("linux", config.path("os").asText());
    assertEquals("65535:65535", config.path("config").path("User").asText());
    assertEquals("[\"/pause\"]", config.path("config").path("Entrypoint").toString());
  }

  @Test
  void layerDiffIdIsDigestOfUncompressedTar() throws IOException {
    JsonNode manifest = manifest();
    JsonNode layers = manifest.path("layers");
    assertEquals(1, layers.size());
    assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", layers.get(0).path("mediaType").asText());
    JsonNode config = JSON.readTree(blob(manifest.path("config")));
    assertEquals(config.path("rootfs").path("diff_ids").get(0).asText(), sha256(gunzip(blob(layers.get(0)))));
  }

  @Test
  void layerHoldsExecutablePauseElfOnly() throws IOException {
    Map<String, TarEntry> layer = TarEntry.readAll(gunzip(blob(manifest().path("layers").get(0))));
    assertEquals(Set.of("pause"), layer.keySet());
    TarEntry pause = layer.get("pause");
    assertEquals(0755, pause.mode());
    byte[] elfMagic = {0x7f, 'E', 'L', 'F'};
    assertArrayEquals(elfMagic, Arrays.copyOf(pause.content(), 4));
  }

  private static JsonNode manifest() throws IOException {
    return JSON.readTree(blob(JSON.readTree(file("index.json")).path("manifests").get(0)));
  }

  /** The blob a descriptor points at, checked against the descriptor's digest and size. */
  private static byte[] blob(JsonNode descriptor) {
    String digest = descriptor.path("digest").asText();
    assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
    byte[] content = file("blobs/sha256/" + digest.substring("sha256:".length()));
    assertEquals(descriptor.path("size").asLong(), content.length, "size of " + digest);
    assertEquals(digest, sha256(content), "digest of blob " + digest);
    return content;
  }

  private static byte[] file(String name) {
    TarEntry entry = archive.get(name);
    assertNotNull(entry, "archive entry " + name);
    return entry.content();
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = PauseImageArchiveTest.class.getResourceAsStream(name)) {
      assertNotNull(in, name + " not on the classpath: did generate-resources run hack/build-pause-image?");
      return in.readAllBytes();
    }
  }

  private static byte[] gunzip(byte[] gzip) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    }
  }

  private static String sha256(byte[] content) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A regular file of a tar archive. Reading only what hack/mkimage writes (GNU format, names
   * under 100 bytes) keeps this test free of an archive library the main code does not need.
   */
  private record TarEntry(String name, int mode, byte[] content) {

    private static final int BLOCK = 512;

    static Map<String, TarEntry> readAll(byte[] tar) {
      Map<String, TarEntry> entries = new LinkedHashMap<>();
      int at = 0;
      while (at + BLOCK <= tar.length && tar[at] != 0) {
        String name = field(tar, at, 100);
        int mode = (int) octal(tar, at + 100, 8);
        int size = (int) octal(tar, at + 124, 12);
        byte type = tar[at + 156];
        assertTrue(type != 'L' && type != 'K', "long names are not expected: " + name);
        if (type == '0' || type == 0) {
          entries.put(name, new TarEntry(name, mode, Arrays.copyOfRange(tar, at + BLOCK, at + BLOCK + size)));
        }
        at += BLOCK + (size + BLOCK - 1) / BLOCK * BLOCK;
      }
      return entries;
    }

    private static String field(byte[] tar, int offset, int length) {
      int end = offset;
      while (end < offset + length && tar[end] != 0) {
        end++;
      }
      return new String(tar, offset, end - offset, StandardCharsets.US_ASCII);
    }

    private static long octal(byte[] tar, int offset, int length) {
      String digits = field(tar, offset, length).trim();
      return digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
    }
  }
}
