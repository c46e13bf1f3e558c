package dev.sandboxd.container;

import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.SeccompProfile;
import dev.sandboxd.seccomp.SeccompProfileRoot;
import dev.sandboxd.spec.OciSpec;
import dev.sandboxd.spec.OciSpecs;
import java.util.Optional;

/** A container's Localhost seccomp profile, named in its manifest and read below the node's profile root. */
public final class LocalhostSeccomp {
  private LocalhostSeccomp() {}

  /**
   * The Localhost profile the container runs under, if its effective profile is one (and it is
   * not privileged, which runs unconfined). InvalidArgument or FailedPrecondition naming the
   * localhostProfile field when it cannot be used.
   */
  public static Optional<OciSpec.Seccomp> forContainer(SeccompProfileRoot profiles, Pod pod, Container container) {
    SeccompProfile profile = OciSpecs.effectiveSeccompProfile(pod, container);
    if (profile.type() != SeccompProfile.Type.Localhost || container.securityContext().privileged().orElse(false)) {
      return Optional.empty();
    }
    String field = fieldOf(pod, container) + ".seccompProfile.localhostProfile";
    return Optional.of(profiles.load(field, profile.localhostProfile().orElseThrow()));
  }

  /** The securityContext that named the profile: the container's own, else the pod's. */
  private static String fieldOf(Pod pod, Container container) {
    if (container.securityContext().seccompProfile().isEmpty()) {
      return "spec.securityContext";
    }
    int i = pod.spec().containers().indexOf(container);
    return i >= 0
        ? "spec.containers[" + i + "].securityContext"
        : "spec.initContainers[" + pod.spec().initContainers().indexOf(container) + "].securityContext";
  }
}
