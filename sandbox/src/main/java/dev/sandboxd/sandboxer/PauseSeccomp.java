package dev.sandboxd.sandboxer;

import java.util.Objects;

/**
 * The seccomp profile a CRI pause runs under, by containerd's podsandbox rules ({@link
 * CriSandboxConfigs#pauseSeccomp}). Used at Create only; not part of the sandbox's record.
 *
 * @param localhostRef for Localhost only: the profile file, below sandboxd's --seccomp-profile-root
 * @param field for Localhost only: the PodSandboxConfig field that named it, for errors
 */
public record PauseSeccomp(Type type, String localhostRef, String field) {
  /** CRI's SecurityProfile.ProfileType. */
  public enum Type { RuntimeDefault, Unconfined, Localhost }

  public static final PauseSeccomp UNCONFINED = new PauseSeccomp(Type.Unconfined, "", "");
  public static final PauseSeccomp RUNTIME_DEFAULT = new PauseSeccomp(Type.RuntimeDefault, "", "");

  public PauseSeccomp {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(localhostRef, "localhostRef");
    Objects.requireNonNull(field, "field");
    if (localhostRef.isEmpty() == (type == Type.Localhost)) {
      throw new IllegalArgumentException("localhostRef must be set exactly for type Localhost");
    }
  }

  static PauseSeccomp localhost(String ref, String field) {
    return new PauseSeccomp(Type.Localhost, ref, field);
  }
}
