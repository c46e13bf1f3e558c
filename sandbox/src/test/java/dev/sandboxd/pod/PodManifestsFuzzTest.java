package dev.sandboxd.pod;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.fuzz.Fuzzer;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the manifest parser with structured mutations of valid manifests ({@link
 * ManifestMutations}), each property for {@link Fuzzer#perProperty()}: whatever comes in, the
 * only failure is an invalid-argument error on one line, and one that names a field of the
 * manifest when the text was well-formed.
 */
class PodManifestsFuzzTest {
  private final PodManifests manifests = new PodManifests(() -> "generated-uid");

  @Test
  void strictParseFailsOnlyWithInvalidArgument() {
    Fuzzer.fuzz(new ManifestMutations(), manifest -> check(manifest, false));
  }

  @Test
  void lenientParseAndAnnotatingFailOnlyWithInvalidArgument() {
    Fuzzer.fuzz(new ManifestMutations(), manifest -> check(manifest, true));
  }

  private void check(ManifestMutations.Manifest manifest, boolean lenient) {
    String text = manifest.text();
    try {
      // Static pods go through withAnnotations first; what it writes must parse as the original does.
      String parsed = lenient ? manifests.withAnnotations(text, Map.of("sandboxd.dev/fuzz", "1")) : text;
      manifests.parse(parsed, lenient);
    } catch (SandboxdException.InvalidArgument e) {
      String message = e.getMessage();
      assertTrue(message != null && !message.isBlank() && !message.contains("\n"), () -> "message " + message + " for\n" + text);
      if (manifest.wellFormed()) {
        assertNamesAField(message, manifest.tree(), text);
      }
    } catch (RuntimeException | Error e) {
      fail(e + " for manifest:\n" + text, e);
    }
  }

  /**
   * The message starts with a path into the manifest ("spec.containers[0].name: ...") or with
   * "manifest" (a limit of the whole document: size, nesting).
   */
  private static void assertNamesAField(String message, JsonNode root, String text) {
    // The fields of the manifest, and those a Pod must have (a missing one is named too).
    Set<String> heads = new HashSet<>(Set.of("manifest", "apiVersion", "kind", "metadata", "spec"));
    root.fieldNames().forEachRemaining(name -> heads.add(ManifestObject.printable(name)));
    boolean named = heads.stream().anyMatch(h -> message.length() > h.length() && message.startsWith(h)
        && ".[: ".indexOf(message.charAt(h.length())) >= 0);
    assertTrue(named, () -> "'" + message + "' does not name a field of\n" + text);
  }
}
