package dev.sandboxd.pod;

import static dev.sandboxd.pod.ManifestObject.invalid;
import static dev.sandboxd.pod.ManifestObject.quote;

import java.util.Locale;
import java.util.List;

/**
 * Capability names as securityContext.capabilities takes them: "NET_ADMIN", "CAP_NET_ADMIN" or
 * "net_admin" all mean CAP_NET_ADMIN (containerd upper-cases and prefixes them too); "ALL" means
 * every capability. The list ends at CAP_CHECKPOINT_RESTORE (Linux 5.9), capability 40.
 */
public final class CapabilityNames {

  public static final String ALL = "ALL";

  /** Every capability up to Linux 5.9, indexed by capability number. */
  public static final List<String> KNOWN =
      List.of(
          "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
          "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
          "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
          "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
          "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
          "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
          "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
          "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
          "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

  private CapabilityNames() {}

  /** The CAP_-prefixed upper-case name, or "ALL". */
  public static String normalise(String path, String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (upper.equals(ALL)) {
      return ALL;
    }
    String prefixed = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
    if (!KNOWN.contains(prefixed)) {
      throw invalid(path, "unknown capability " + quote(name));
    }
    return prefixed;
  }
}
