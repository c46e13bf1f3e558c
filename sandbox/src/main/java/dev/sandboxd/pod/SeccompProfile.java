package dev.sandboxd.pod;

import java.util.Objects;
import java.util.Optional;

/**
 * securityContext.seccompProfile, at pod or container level (the container's wins).
 *
 * @param localhostProfile for Localhost only: a clean relative path below the node's
 *     --seccomp-profile-root (the parser refuses ".." and absolute paths)
 */
public record SeccompProfile(Type type, Optional<String> localhostProfile) {

  /** Kubernetes' names for the three kinds of profile. */
  public enum Type {
    /** The container runtime's default profile (sandboxd's, equivalent to containerd's). */
    RuntimeDefault,
    /** No seccomp filter at all. */
    Unconfined,
    /** A profile file on the node, under the configured profile root. */
    Localhost
  }

  public static final SeccompProfile RUNTIME_DEFAULT = new SeccompProfile(Type.RuntimeDefault, Optional.empty());
  public static final SeccompProfile UNCONFINED = new SeccompProfile(Type.Unconfined, Optional.empty());

  public SeccompProfile {
    Objects.requireNonNull(type, "type");
    if (localhostProfile.isPresent() != (type == Type.Localhost)) {
      throw new IllegalArgumentException("localhostProfile must be set exactly for type Localhost");
    }
  }

  public static SeccompProfile localhost(String relativePath) {
    return new SeccompProfile(Type.Localhost, Optional.of(relativePath));
  }
}
