package dev.sandboxd.pod;

import java.util.ArrayList;
import java.util.List;

/** The state of one manifest parse: strict or lenient, and the warnings gathered so far. */
final class ManifestContext {

  private final boolean lenient;
  private final List<String> warnings = new ArrayList<>();

  ManifestContext(boolean lenient) {
    this.lenient = lenient;
  }

  /** A field sandboxd does not know or does not support yet: an error, unless lenient. */
  void unknownField(String path) {
    if (!lenient) {
      throw ManifestObject.invalid(path, "unknown or unsupported field");
    }
    warnings.add(ManifestObject.printable(path + ": unknown or unsupported field, ignored"));
  }

  /** A known field or value sandboxd does not support, with the reason: an error, unless lenient. */
  void unsupported(String path, String reason) {
    if (!lenient) {
      throw ManifestObject.invalid(path, reason);
    }
    warnings.add(ManifestObject.printable(path + ": " + reason + ", ignored"));
  }

  /** What Kubernetes refuses but sandboxd can run as written: an error, unless lenient. */
  void beyondKubernetes(String path, String error, String warning) {
    if (!lenient) {
      throw ManifestObject.invalid(path, error);
    }
    warnings.add(ManifestObject.printable(path + ": " + warning));
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }
}
