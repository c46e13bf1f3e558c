package dev.sandboxd.pod;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * containers[].securityContext. Empty optionals inherit from the pod's security context, then
 * from the image (user) or the runtime defaults (seccompProfile: RuntimeDefault).
 */
public record SecurityContext(
    Optional<Long> runAsUser,
    Optional<Long> runAsGroup,
    Optional<Boolean> runAsNonRoot,
    Optional<Boolean> readOnlyRootFilesystem,
    Optional<Boolean> privileged,
    Optional<Boolean> allowPrivilegeEscalation,
    List<String> capabilitiesAdd,
    List<String> capabilitiesDrop,
    Optional<SeccompProfile> seccompProfile) {

  public static final SecurityContext EMPTY =
      new SecurityContext(
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), List.of(), List.of());

  /** Without a seccompProfile of its own: the pod's, else RuntimeDefault. */
  public SecurityContext(
      Optional<Long> runAsUser,
      Optional<Long> runAsGroup,
      Optional<Boolean> runAsNonRoot,
      Optional<Boolean> readOnlyRootFilesystem,
      Optional<Boolean> privileged,
      Optional<Boolean> allowPrivilegeEscalation,
      List<String> capabilitiesAdd,
      List<String> capabilitiesDrop) {
    this(runAsUser, runAsGroup, runAsNonRoot, readOnlyRootFilesystem, privileged, allowPrivilegeEscalation,
        capabilitiesAdd, capabilitiesDrop, Optional.empty());
  }

  public SecurityContext {
    capabilitiesAdd = List.copyOf(capabilitiesAdd);
    capabilitiesDrop = List.copyOf(capabilitiesDrop);
    Objects.requireNonNull(seccompProfile, "seccompProfile");
  }
}
