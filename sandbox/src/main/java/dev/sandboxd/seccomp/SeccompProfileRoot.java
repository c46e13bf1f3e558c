package dev.sandboxd.seccomp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.spec.OciSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Localhost seccomp profiles: JSON files below --seccomp-profile-root, in the OCI runtime spec's
 * linux.seccomp form (defaultAction, defaultErrnoRet, architectures, syscalls with names, action,
 * errnoRet, args). A profile must stay below the root, also through symbolic links. Knows no
 * manifest model: sandboxd's own pods (container/LocalhostSeccomp) and CRI's pauses both use it.
 */
public final class SeccompProfileRoot {
  /** A profile is a list of rules; anything this large is a mistake, not a profile. */
  static final long MAX_PROFILE_BYTES = 1 << 20;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Optional<Path> root;

  /** @param root empty when the node has no profile root: Localhost profiles are then refused */
  public SeccompProfileRoot(Optional<Path> root) {
    this.root = root.map(r -> r.toAbsolutePath().normalize());
  }

  /** The node's --seccomp-profile-root; "" for none. */
  public static SeccompProfileRoot of(String root) {
    return new SeccompProfileRoot(root.isEmpty() ? Optional.empty() : Optional.of(Path.of(root)));
  }

  /**
   * The profile at a path relative to the root (a pod manifest's localhostProfile), or at an
   * absolute one below it (CRI's localhost_ref, which kubelet makes absolute); the errors name field.
   */
  public OciSpec.Seccomp load(String field, String relative) {
    Path base = root.orElseThrow(() -> SandboxdException.failedPrecondition(
        "%s: Localhost seccomp profiles need sandboxd's --seccomp-profile-root, which is not set", field));
    Path file = base.resolve(relative).normalize();
    if (!file.startsWith(base) || file.equals(base)) {
      throw SandboxdException.invalidArgument("%s: \"%s\" is not below the seccomp profile root %s", field, relative, base);
    }
    try {
      if (!file.toRealPath().startsWith(base.toRealPath())) {
        throw SandboxdException.invalidArgument(
            "%s: \"%s\" leads out of the seccomp profile root %s through a symbolic link", field, relative, base);
      }
      if (!Files.isRegularFile(file)) { // a FIFO would block the pod's start on reading it
        throw SandboxdException.invalidArgument("%s: %s is not a regular file", field, file);
      }
      if (Files.size(file) > MAX_PROFILE_BYTES) {
        throw SandboxdException.invalidArgument("%s: %s is larger than %d bytes", field, file, MAX_PROFILE_BYTES);
      }
      OciSpec.Seccomp seccomp = JSON.readValue(file.toFile(), OciSpec.Seccomp.class);
      if (seccomp == null) {
        throw SandboxdException.invalidArgument("%s: %s is empty", field, file);
      }
      return seccomp;
    } catch (NoSuchFileException e) {
      throw SandboxdException.failedPrecondition("%s: no profile %s on this node", field, file);
    } catch (UnrecognizedPropertyException e) {
      throw SandboxdException.invalidArgument(
          "%s: %s: unknown field \"%s\" (profiles are OCI linux.seccomp JSON)", field, file, e.getPropertyName());
    } catch (IOException | IllegalArgumentException | NullPointerException e) {
      throw SandboxdException.invalidArgument("%s: %s is not a seccomp profile: %s", field, file, e.getMessage());
    }
  }
}
