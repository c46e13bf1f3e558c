package dev.sandboxd.manifestdir;

import dev.sandboxd.lifecycle.PodStatus;
import java.util.Map;
import java.util.Optional;

/**
 * A pod sandboxd runs from a file of the manifest directory, known by the annotations it was run
 * with; so it is recognised after a restart of sandboxd, and pods run by hand are never taken for one.
 */
record ManagedPod(String file, String hash, String fullName, String sandboxId) {

  static Optional<ManagedPod> of(PodStatus status) {
    Map<String, String> annotations = status.pod().metadata().annotations();
    String file = annotations.get(StaticPod.SOURCE);
    String hash = annotations.get(StaticPod.HASH);
    if (file == null || hash == null) {
      return Optional.empty();
    }
    return Optional.of(new ManagedPod(file, hash, status.pod().fullName(), status.sandbox().id()));
  }
}
