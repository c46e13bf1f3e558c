package dev.sandboxd.pod;

import static dev.sandboxd.pod.ManifestObject.invalid;

import java.util.Optional;

/** Reads securityContext.seccompProfile, the same at pod and at container level. */
final class SeccompProfileReader {

  static final FieldSet SECCOMP_PROFILE = FieldSet.of("type", "localhostProfile");

  private SeccompProfileReader() {}

  /** Kubernetes' rule: localhostProfile is required for type Localhost and forbidden for the others. */
  static Optional<SeccompProfile> read(ManifestObject securityContext) {
    return securityContext.object("seccompProfile", SECCOMP_PROFILE).map(s -> {
      SeccompProfile.Type type = SeccompProfile.Type.valueOf(
          s.oneOf("type", "RuntimeDefault", "Unconfined", "Localhost")
              .orElseThrow(() -> invalid(s.path("type"), "required: RuntimeDefault, Unconfined or Localhost")));
      Optional<String> localhost = s.string("localhostProfile");
      if (type != SeccompProfile.Type.Localhost) {
        if (localhost.isPresent()) {
          throw invalid(s.path("localhostProfile"), "may only be set when type is Localhost");
        }
        return type == SeccompProfile.Type.Unconfined ? SeccompProfile.UNCONFINED : SeccompProfile.RUNTIME_DEFAULT;
      }
      String path = localhost.orElseThrow(
          () -> invalid(s.path("localhostProfile"), "required when type is Localhost: a path below the node's seccomp profile root"));
      String clean = ManifestPaths.relativeDescending(s.path("localhostProfile"), path);
      if (clean.isEmpty()) {
        throw invalid(s.path("localhostProfile"), "must name a file below the node's seccomp profile root");
      }
      return SeccompProfile.localhost(clean);
    });
  }
}
