package dev.sandboxd.pod;

import java.util.List;
import java.util.Optional;

/**
 * containers[].securityContext. Empty optionals inherit from the pod's security context, then
 * from the image (user) or the runtime defaults.
 */
public record SecurityContext(
    Optional<Long> runAsUser,
    Optional<Long> runAsGroup,
    Optional<Boolean> runAsNonRoot,
    Optional<Boolean> readOnlyRootFilesystem,
    Optional<Boolean> privileged,
    Optional<Boolean> allowPrivilegeEscalation,
    List<String> capabilitiesAdd,
    List<String> capabilitiesDrop) {

  public static final SecurityContext EMPTY =
      new SecurityContext(
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), List.of(), List.of());

  public SecurityContext {
    capabilitiesAdd = List.copyOf(capabilitiesAdd);
    capabilitiesDrop = List.copyOf(capabilitiesDrop);
  }
}
