package dev.sandboxd.pod;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** spec.securityContext: defaults for every container of the pod. */
public record PodSecurityContext(
    Optional<Long> runAsUser,
    Optional<Long> runAsGroup,
    Optional<Boolean> runAsNonRoot,
    List<Long> supplementalGroups,
    Optional<SeccompProfile> seccompProfile) {

  public static final PodSecurityContext EMPTY =
      new PodSecurityContext(Optional.empty(), Optional.empty(), Optional.empty(), List.of());

  /** Without a seccompProfile: containers that name none get RuntimeDefault. */
  public PodSecurityContext(
      Optional<Long> runAsUser, Optional<Long> runAsGroup, Optional<Boolean> runAsNonRoot, List<Long> supplementalGroups) {
    this(runAsUser, runAsGroup, runAsNonRoot, supplementalGroups, Optional.empty());
  }

  public PodSecurityContext {
    supplementalGroups = List.copyOf(supplementalGroups);
    Objects.requireNonNull(seccompProfile, "seccompProfile");
  }
}
