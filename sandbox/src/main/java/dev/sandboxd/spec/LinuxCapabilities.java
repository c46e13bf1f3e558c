package dev.sandboxd.spec;

import static dev.sandboxd.errdefs.SandboxdException.failedPrecondition;
import static dev.sandboxd.errdefs.SandboxdException.invalidArgument;

import dev.sandboxd.pod.CapabilityNames;
import dev.sandboxd.pod.SecurityContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Linux capability names, and a container's set from its securityContext the way CRI computes it. */
public final class LinuxCapabilities {

  /** Every capability, indexed by capability number (the manifest parser's list). */
  public static final List<String> KNOWN = CapabilityNames.KNOWN;

  /** containerd's default set for a container process. */
  public static final List<String> DEFAULTS =
      List.of(
          "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
          "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

  private static final String ALL = CapabilityNames.ALL;

  private LinuxCapabilities() {}

  /**
   * The names of the bits set in a capability mask such as the CapBnd line of
   * /proc/self/status; bits beyond {@link #KNOWN} are ignored.
   */
  public static List<String> fromMask(long mask) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < KNOWN.size(); bit++) {
      if ((mask & (1L << bit)) != 0) {
        names.add(KNOWN.get(bit));
      }
    }
    return List.copyOf(names);
  }

  /**
   * Privileged: every available capability. Otherwise the defaults, then "ALL" in add (every
   * available one) and in drop (none), then the single adds, then the single drops: so a name
   * both added and dropped ends up dropped, as in CRI. Names may be given with or without
   * "CAP_", in any case.
   *
   * @param available what "ALL" means: the capabilities sandboxd holds itself (CRI uses its
   *     own current set too); runc cannot grant more and fails the start if asked to
   * @param fieldPath the securityContext's field path, e.g. spec.containers[0].securityContext
   */
  static List<String> forContainer(SecurityContext sc, List<String> available, String fieldPath) {
    String addPath = fieldPath + ".capabilities.add";
    List<String> add = normalized(sc.capabilitiesAdd(), addPath);
    List<String> drop = normalized(sc.capabilitiesDrop(), fieldPath + ".capabilities.drop");
    if (sc.privileged().orElse(false)) {
      return available;
    }
    List<String> caps = new ArrayList<>(add.contains(ALL) ? available : DEFAULTS);
    if (drop.contains(ALL)) {
      caps.clear();
    }
    for (int i = 0; i < add.size(); i++) {
      String c = add.get(i);
      if (c.equals(ALL) || caps.contains(c)) {
        continue;
      }
      if (!available.contains(c)) {
        throw failedPrecondition(
            "%s[%d]: %s is not available on this node (sandboxd itself does not hold it)", addPath, i, c);
      }
      caps.add(c);
    }
    caps.removeAll(drop);
    return List.copyOf(caps);
  }

  /** "net_admin" and "CAP_NET_ADMIN" both become "CAP_NET_ADMIN"; "all" becomes "ALL". */
  private static List<String> normalized(List<String> names, String fieldPath) {
    List<String> out = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i).trim().toUpperCase(Locale.ROOT);
      if (name.equals(ALL)) {
        out.add(ALL);
        continue;
      }
      String cap = name.startsWith("CAP_") ? name : "CAP_" + name;
      if (!KNOWN.contains(cap)) {
        throw invalidArgument(
            "%s[%d]: unknown capability \"%s\" (names as in capabilities(7) without CAP_, e.g. NET_ADMIN, or ALL)",
            fieldPath, i, names.get(i));
      }
      out.add(cap);
    }
    return out;
  }
}
