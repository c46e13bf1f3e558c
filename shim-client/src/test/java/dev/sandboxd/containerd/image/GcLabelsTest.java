package dev.sandboxd.containerd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.containerd.Descriptor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GcLabelsTest {
  private static final String LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  private static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

  static Stream<Arguments> children() {
    return Stream.of(
        Arguments.of(
            "manifest: config then numbered layers",
            List.of(d(MediaTypes.OCI_CONFIG, 'c'), d(LAYER_GZIP, '1'), d(LAYER_GZIP, '2')),
            List.of(
                "containerd.io/gc.ref.content.config=" + digest('c'),
                "containerd.io/gc.ref.content.l.0=" + digest('1'),
                "containerd.io/gc.ref.content.l.1=" + digest('2'))),
        Arguments.of(
            "docker manifest",
            List.of(d(MediaTypes.DOCKER_CONFIG, 'c'), d(DOCKER_LAYER, '1')),
            List.of(
                "containerd.io/gc.ref.content.config=" + digest('c'),
                "containerd.io/gc.ref.content.l.0=" + digest('1'))),
        Arguments.of(
            "index: numbered manifests",
            List.of(d(MediaTypes.OCI_MANIFEST, 'a'), d(MediaTypes.DOCKER_MANIFEST, 'b')),
            List.of(
                "containerd.io/gc.ref.content.m.0=" + digest('a'),
                "containerd.io/gc.ref.content.m.1=" + digest('b'))),
        Arguments.of(
            "nested index and unknown types: plain numbers",
            List.of(d(MediaTypes.OCI_INDEX, 'a'), d("application/x-unknown", 'b')),
            List.of(
                "containerd.io/gc.ref.content.0=" + digest('a'),
                "containerd.io/gc.ref.content.1=" + digest('b'))),
        Arguments.of(
            "second config gets a number",
            List.of(d(MediaTypes.OCI_CONFIG, 'a'), d(MediaTypes.OCI_CONFIG, 'b')),
            List.of(
                "containerd.io/gc.ref.content.config=" + digest('a'),
                "containerd.io/gc.ref.content.config1=" + digest('b'))),
        Arguments.of(
            "referrer: named by its digest prefix",
            List.of(
                new Descriptor(
                    MediaTypes.OCI_MANIFEST, digest('e'), 10, Map.of("io.containerd.manifest.subject", digest('a')))),
            List.of("containerd.io/gc.ref.content.referrer.sha256.eeeeeeeeeeee=" + digest('e'))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("children")
  void childLabelsLikeContainerd(String name, List<Descriptor> children, List<String> expected) {
    List<String> actual = new ArrayList<>();
    GcLabels.forChildren(children).forEach((k, v) -> actual.add(k + "=" + v));
    assertEquals(expected, actual);
  }

  @Test
  void extractionSnapshotLabels() {
    Descriptor layer =
        new Descriptor(
            LAYER_GZIP,
            digest('1'),
            10,
            Map.of("containerd.io/snapshot/custom", "kept", "org.opencontainers.other", "dropped"));
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("containerd.io/snapshot/custom", "kept");
    expected.put("containerd.io/snapshot.ref", "sha256:chain1");
    expected.put("containerd.io/snapshot/diff-id", "sha256:diff1");
    expected.put("containerd.io/snapshot/parent-chain-id", "sha256:chain0");
    assertEquals(expected, GcLabels.forExtraction(layer, "sha256:chain1", "sha256:diff1", "sha256:chain0"));
    assertEquals(
        Map.of("containerd.io/snapshot.ref", "sha256:c", "containerd.io/snapshot/diff-id", "sha256:d"),
        GcLabels.forExtraction(d(LAYER_GZIP, '1'), "sha256:c", "sha256:d", ""));
  }

  @Test
  void unpackedConfigNamesTheTopSnapshot() {
    assertEquals(
        Map.of("containerd.io/gc.ref.snapshot.overlayfs", "sha256:top"),
        GcLabels.forUnpackedConfig("overlayfs", "sha256:top"));
  }

  static Descriptor d(String mediaType, char fill) {
    return new Descriptor(mediaType, digest(fill), 10);
  }

  static String digest(char fill) {
    return "sha256:" + String.valueOf(fill).repeat(64);
  }
}
