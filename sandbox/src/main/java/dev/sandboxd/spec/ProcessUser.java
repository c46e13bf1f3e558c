package dev.sandboxd.spec;

import static dev.sandboxd.errdefs.SandboxdException.invalidArgument;

import dev.sandboxd.image.ImageConfig;
import dev.sandboxd.pod.PodSecurityContext;
import dev.sandboxd.pod.SecurityContext;
import java.util.List;
import java.util.Optional;

/**
 * The uid, gid and supplementary groups a process runs with. Names ("nobody", "app:staff") are
 * not resolved: that needs the image's /etc/passwd, so such images need runAsUser.
 */
final class ProcessUser {

  /** The pause process's user when its image names none, as the Kubernetes pause image has it. */
  static final long PAUSE_ID = 65535;

  private static final long MAX_ID = 0xFFFF_FFFFL;

  private ProcessUser() {}

  /** The pause image's numeric user, else 65535:65535. */
  static OciSpec.User forPause(ImageConfig image) {
    Optional<ImageUser> user = ImageUser.of(image);
    if (user.isEmpty()) {
      return new OciSpec.User(PAUSE_ID, PAUSE_ID, List.of());
    }
    String where = "pause image user";
    return new OciSpec.User(user.get().uid(where, ""), user.get().gid(where, "").orElse(0L), List.of());
  }

  /**
   * runAsUser/runAsGroup of the container, else of the pod; else the image's "uid[:gid]"; else
   * 0:0. A gid not given anywhere is 0 (the image's /etc/passwd is not read). Supplementary
   * groups are the pod's supplementalGroups, sorted and without duplicates as CRI passes them.
   *
   * @param containerPath the container's field path, e.g. spec.containers[0]
   */
  static OciSpec.User forContainer(
      SecurityContext sc, PodSecurityContext podSc, ImageConfig image, String containerPath) {
    Optional<Long> runAsUser = sc.runAsUser().or(podSc::runAsUser);
    Optional<Long> runAsGroup = sc.runAsGroup().or(podSc::runAsGroup);
    Optional<ImageUser> imageUser = ImageUser.of(image);
    String where = containerPath + ": image user";
    String hint = "; set securityContext.runAsUser and runAsGroup to numeric ids";

    long uid;
    Optional<Long> gid = runAsGroup;
    if (runAsUser.isPresent()) {
      uid = runAsUser.get();
    } else if (imageUser.isPresent()) {
      uid = imageUser.get().uid(where, hint);
      if (gid.isEmpty()) {
        gid = imageUser.get().gid(where, hint);
      }
    } else {
      uid = 0;
    }

    boolean nonRootFromContainer = sc.runAsNonRoot().isPresent();
    if (sc.runAsNonRoot().or(podSc::runAsNonRoot).orElse(false) && uid == 0) {
      String field =
          nonRootFromContainer
              ? containerPath + ".securityContext.runAsNonRoot"
              : "spec.securityContext.runAsNonRoot";
      throw invalidArgument(
          "%s: is true but %s would run as uid 0; set runAsUser to a non-zero uid", field, containerPath);
    }
    List<Long> groups = podSc.supplementalGroups().stream().distinct().sorted().toList();
    return new OciSpec.User(uid, gid.orElse(0L), groups);
  }

  /** The image config's User split at the first ':' ("1000", "1000:100", "app:staff"). */
  private record ImageUser(String raw, String user, Optional<String> group) {

    static Optional<ImageUser> of(ImageConfig image) {
      return image.user()
          .map(String::trim)
          .filter(u -> !u.isEmpty())
          .map(
              u -> {
                int colon = u.indexOf(':');
                return colon < 0
                    ? new ImageUser(u, u, Optional.empty())
                    : new ImageUser(u, u.substring(0, colon), Optional.of(u.substring(colon + 1)));
              });
    }

    long uid(String where, String hint) {
      return numeric(user, where, hint);
    }

    Optional<Long> gid(String where, String hint) {
      return group.map(g -> numeric(g, where, hint));
    }

    private long numeric(String id, String where, String hint) {
      if (!id.isEmpty() && id.length() <= 10 && id.chars().allMatch(Character::isDigit)) {
        long value = Long.parseLong(id);
        if (value <= MAX_ID) {
          return value;
        }
      }
      throw invalidArgument(
          "%s \"%s\" is not numeric \"uid\" or \"uid:gid\"; sandboxd does not look names up in the image's /etc/passwd%s",
          where, raw, hint);
    }
  }
}
