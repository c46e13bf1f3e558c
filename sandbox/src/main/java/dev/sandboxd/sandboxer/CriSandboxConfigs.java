package dev.sandboxd.sandboxer;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.spec.HostNamespace;
import java.util.EnumSet;
import java.util.Map;
import java.util.regex.Pattern;
import runtime.v1.Api.DNSConfig;
import runtime.v1.Api.LinuxPodSandboxConfig;
import runtime.v1.Api.LinuxSandboxSecurityContext;
import runtime.v1.Api.NamespaceMode;
import runtime.v1.Api.NamespaceOption;
import runtime.v1.Api.PodSandboxConfig;
import runtime.v1.Api.PodSandboxMetadata;
import runtime.v1.Api.SecurityProfile;
import runtime.v1.Api.SecurityProfile.ProfileType;

/**
 * CRI's PodSandboxConfig, as containerd passes it in a Create's options, into the sandbox
 * sandboxd makes. Pure; bad input is an InvalidArgument naming the field, before anything exists.
 */
public final class CriSandboxConfigs {
  /**
   * containerd 2.1 packs the config with the bare type name, not the type.googleapis.com/ URL
   * (so Any.is() is false); both are taken.
   */
  static final String TYPE_NAME = PodSandboxConfig.getDescriptor().getFullName();

  private static final Pattern SANDBOX_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  /** A sysctl name as runc takes it: dotted (or slashed) words, nothing that climbs out of /proc/sys. */
  private static final Pattern SYSCTL = Pattern.compile("[a-z0-9_]+([./][a-zA-Z0-9_-]+)+");
  /** What CRI's seccomp profile paths and refs may start with before the file's path. */
  private static final String LOCALHOST_PREFIX = "localhost/";
  private static final Pattern HOSTNAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");

  private CriSandboxConfigs() {}

  /** Every call's sandbox id becomes part of paths (records, pod files): never a path of its own. */
  public static void checkSandboxId(String sandboxId) {
    if (!SANDBOX_ID.matcher(sandboxId).matches()) {
      throw SandboxdException.invalidArgument("sandbox_id: \"%s\" is not a sandbox id", sandboxId);
    }
  }

  /** What a Create asks for: the sandbox, and the seccomp profile its pause is made with. */
  public record Request(CriPodSandbox pod, PauseSeccomp pauseSeccomp) {}

  /** The Create request's fields into the sandbox's description. */
  public static Request parse(String sandboxId, String netnsPath, Any options) {
    checkSandboxId(sandboxId);
    if (!netnsPath.isEmpty() && !netnsPath.startsWith("/")) {
      throw SandboxdException.invalidArgument("netns_path: \"%s\" is not an absolute path", netnsPath);
    }
    String type = options.getTypeUrl().substring(options.getTypeUrl().lastIndexOf('/') + 1);
    if (!type.equals(TYPE_NAME)) {
      throw SandboxdException.invalidArgument(
          "options: type \"%s\" is not %s (sandboxd serves containerd's CRI)", options.getTypeUrl(), TYPE_NAME);
    }
    PodSandboxConfig config;
    try {
      config = PodSandboxConfig.parseFrom(options.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw SandboxdException.invalidArgument("options: not a %s: %s", TYPE_NAME, e.getMessage());
    }
    PodSandboxMetadata meta = config.getMetadata();
    requireSet("options.metadata.name", meta.getName());
    requireSet("options.metadata.namespace", meta.getNamespace());
    requireSet("options.metadata.uid", meta.getUid());
    if (!config.getHostname().isEmpty() && !HOSTNAME.matcher(config.getHostname()).matches()) {
      throw SandboxdException.invalidArgument("options.hostname: \"%s\" is not a DNS-1123 hostname of at most 63 characters",
          config.getHostname());
    }
    LinuxPodSandboxConfig linux = config.getLinux();
    EnumSet<HostNamespace> host = hostNamespaces(linux.getSecurityContext().getNamespaceOptions());
    if (host.contains(HostNamespace.NETWORK) != netnsPath.isEmpty()) {
      throw SandboxdException.invalidArgument(host.contains(HostNamespace.NETWORK)
          ? "netns_path: \"%s\" given for a pod on the node's network"
          : "netns_path: empty for a pod with a network of its own (CRI makes it before Create)%s", netnsPath);
    }
    for (Map.Entry<String, String> sysctl : linux.getSysctlsMap().entrySet()) {
      if (!SYSCTL.matcher(sysctl.getKey()).matches() || sysctl.getKey().contains("..")) {
        throw SandboxdException.invalidArgument("options.linux.sysctls: \"%s\" is not a sysctl name", sysctl.getKey());
      }
    }
    String cgroupParent = linux.getCgroupParent();
    if (cgroupParent.contains("..") || cgroupParent.contains("\0")) {
      throw SandboxdException.invalidArgument("options.linux.cgroup_parent: \"%s\" may not contain ..", cgroupParent);
    }
    DNSConfig dns = config.getDnsConfig();
    PauseSeccomp seccomp = pauseSeccomp(linux.getSecurityContext());
    return new Request(new CriPodSandbox(sandboxId, meta.getNamespace(), meta.getName(), meta.getUid(), meta.getAttempt(),
        config.getHostname(), netnsPath,
        new CriPodSandbox.Dns(dns.getServersList(), dns.getSearchesList(), dns.getOptionsList()),
        host, linux.getSysctlsMap(), cgroupParent, config.getLabelsMap(), config.getAnnotationsMap()), seccomp);
  }

  /**
   * The pause's seccomp profile as containerd's own podsandbox chooses it (internal/cri/sputil,
   * 2.1.9): security_context.seccomp, else the deprecated seccomp_profile_path ("runtime/default"
   * or "docker/default", "unconfined", "localhost/FILE"; checked even for a privileged sandbox);
   * none for a privileged sandbox or when neither is set (kubelet always sends one: Unconfined,
   * or RuntimeDefault under its --seccomp-default); a "localhost/" before the file is dropped.
   */
  static PauseSeccomp pauseSeccomp(LinuxSandboxSecurityContext sc) {
    String profileField = "options.linux.security_context.seccomp";
    SecurityProfile profile;
    String refField;
    if (sc.hasSeccomp()) {
      profile = sc.getSeccomp();
      refField = profileField + ".localhost_ref";
    } else {
      refField = "options.linux.security_context.seccomp_profile_path";
      @SuppressWarnings("deprecation") // CRI's older field, still honoured by containerd
      String path = sc.getSeccompProfilePath();
      profile = switch (path) {
        case "" -> null;
        case "runtime/default", "docker/default" -> SecurityProfile.newBuilder().setProfileType(ProfileType.RuntimeDefault).build();
        case "unconfined" -> SecurityProfile.newBuilder().setProfileType(ProfileType.Unconfined).build();
        default -> {
          if (!path.startsWith(LOCALHOST_PREFIX)) {
            throw SandboxdException.invalidArgument(
                "%s: \"%s\" is none of runtime/default, docker/default, unconfined, localhost/FILE", refField, path);
          }
          yield SecurityProfile.newBuilder().setProfileType(ProfileType.Localhost)
              .setLocalhostRef(path.substring(LOCALHOST_PREFIX.length())).build();
        }
      };
    }
    if (sc.getPrivileged() || profile == null) {
      return PauseSeccomp.UNCONFINED;
    }
    if (profile.getProfileType() != ProfileType.Localhost && !profile.getLocalhostRef().isEmpty()) {
      throw SandboxdException.invalidArgument("%s.localhost_ref: set for a %s profile (only Localhost has one)",
          profileField, profile.getProfileType());
    }
    return switch (profile.getProfileType()) {
      case RuntimeDefault -> PauseSeccomp.RUNTIME_DEFAULT;
      case Unconfined -> PauseSeccomp.UNCONFINED;
      case Localhost -> {
        String ref = profile.getLocalhostRef();
        ref = ref.startsWith(LOCALHOST_PREFIX) ? ref.substring(LOCALHOST_PREFIX.length()) : ref;
        if (ref.isEmpty() || ref.indexOf('\0') >= 0) {
          throw SandboxdException.invalidArgument("%s: \"%s\" names no profile file", refField, ref.replace("\0", "\\0"));
        }
        yield PauseSeccomp.localhost(ref, refField);
      }
      default -> throw SandboxdException.invalidArgument("%s.profile_type: unknown type %d", profileField,
          profile.getProfileTypeValue());
    };
  }

  /**
   * NODE for network, pid or ipc shares the node's; POD and CONTAINER both give the pause task
   * one of its own (for pid, CONTAINER only means the app containers do not join it). User
   * namespaces are not supported.
   */
  static EnumSet<HostNamespace> hostNamespaces(NamespaceOption ns) {
    EnumSet<HostNamespace> host = EnumSet.noneOf(HostNamespace.class);
    if (ns.getNetwork() == NamespaceMode.NODE) {
      host.add(HostNamespace.NETWORK);
    }
    if (ns.getPid() == NamespaceMode.NODE) {
      host.add(HostNamespace.PID);
    }
    if (ns.getIpc() == NamespaceMode.NODE) {
      host.add(HostNamespace.IPC);
    }
    if (ns.getNetwork() == NamespaceMode.TARGET || ns.getIpc() == NamespaceMode.TARGET || ns.getPid() == NamespaceMode.TARGET) {
      throw SandboxdException.invalidArgument(
          "options.linux.security_context.namespace_options: TARGET is for containers, not pods");
    }
    if (ns.hasUsernsOptions() && ns.getUsernsOptions().getMode() != NamespaceMode.NODE) {
      throw SandboxdException.invalidArgument(
          "options.linux.security_context.namespace_options.userns_options: user namespaces are not supported by sandboxd");
    }
    return host;
  }

  private static void requireSet(String field, String value) {
    if (value.isEmpty()) {
      throw SandboxdException.invalidArgument("%s: must be set", field);
    }
  }
}
