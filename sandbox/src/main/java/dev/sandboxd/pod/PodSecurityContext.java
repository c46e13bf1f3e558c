package dev.sandboxd.pod;

import java.util.List;
import java.util.Optional;

/** spec.securityContext: defaults for every container of the pod. */
public record PodSecurityContext(
    Optional<Long> runAsUser, Optional<Long> runAsGroup, Optional<Boolean> runAsNonRoot, List<Long> supplementalGroups) {

  public static final PodSecurityContext EMPTY =
      new PodSecurityContext(Optional.empty(), Optional.empty(), Optional.empty(), List.of());

  public PodSecurityContext {
    supplementalGroups = List.copyOf(supplementalGroups);
  }
}
