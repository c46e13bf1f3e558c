package dev.sandboxd.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PodManifests.withAnnotations: the manifest as JSON with sandboxd's own annotations put in. */
class ManifestAnnotationsTest {
  final PodManifests manifests = new PodManifests(() -> "generated-uid");

  static final String SPEC = "spec:\n  containers:\n  - {name: c, image: busybox}\n";

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "no annotations      | 'metadata: {name: web}'                              | ''",
      "empty annotations   | 'metadata: {name: web, annotations: {}}'              | ''",
      "null annotations    | 'metadata:\n  name: web\n  annotations:'              | ''",
      "other annotations   | 'metadata: {name: web, annotations: {a.io/x: \"1\"}}' | a.io/x=1",
      "ours replaced       | 'metadata: {name: web, annotations: {s.io/mark: old}}' | ''",
  })
  void theAnnotationsAreAddedAndTheRestIsKept(String name, String metadata, String others) {
    String json = manifests.withAnnotations("apiVersion: v1\nkind: Pod\n" + metadata + "\n" + SPEC, Map.of("s.io/mark", "new"));

    assertTrue(json.startsWith("{\"apiVersion\":\"v1\""), json);
    Pod pod = manifests.parse(json, false).pod();
    assertEquals("new", pod.metadata().annotations().get("s.io/mark"));
    assertEquals(others.isEmpty() ? 1 : 2, pod.metadata().annotations().size(), pod.metadata().annotations().toString());
    assertEquals("busybox", pod.spec().containers().get(0).image());
  }

  @Test
  void formattingAndCommentsDoNotShowInTheResult() {
    String plain = manifests.withAnnotations("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n" + SPEC, Map.of());
    String commented = manifests.withAnnotations(
        "# static pod\napiVersion: v1\nkind:   Pod\nmetadata:\n  name: web # the name\n" + SPEC, Map.of());
    assertEquals(plain, commented);
  }

  @Test
  void syntaxErrorsAreThoseOfParse() {
    String broken = "apiVersion: v1\nkind: Pod\nmetadata: {name: web\n";
    SandboxdException fromParse = assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.parse(broken, false));
    SandboxdException fromAnnotate =
        assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.withAnnotations(broken, Map.of("a.io/b", "c")));
    assertEquals(fromParse.getMessage(), fromAnnotate.getMessage());
    assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.withAnnotations("", Map.of()));
  }

  @Test
  void metadataThatIsNoMappingIsLeftForParseToName() {
    String json = manifests.withAnnotations("apiVersion: v1\nkind: Pod\nmetadata: [web]\n" + SPEC, Map.of("a.io/b", "c"));
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.parse(json, false));
    assertTrue(e.getMessage().startsWith("metadata"), e.getMessage());
  }
}
