package dev.sandboxd.sandboxer;

import com.google.protobuf.Any;
import runtime.v1.Api.DNSConfig;
import runtime.v1.Api.LinuxPodSandboxConfig;
import runtime.v1.Api.LinuxSandboxSecurityContext;
import runtime.v1.Api.NamespaceMode;
import runtime.v1.Api.NamespaceOption;
import runtime.v1.Api.PodSandboxConfig;
import runtime.v1.Api.PodSandboxMetadata;

/** PodSandboxConfigs as containerd's CRI passes them to Create. */
final class CriConfigs {
  static final String NETNS = "/run/netns/cni-1";

  private CriConfigs() {}

  static PodSandboxConfig.Builder config(String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid("uid-" + name).setAttempt(1))
        .setHostname(name)
        .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addSearches("default.svc.cluster.local")
            .addSearches("svc.cluster.local").addOptions("ndots:5"))
        .putLabels("app", name)
        .putAnnotations("note", "x")
        .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/besteffort/pod-" + name)
            .putSysctls("net.ipv4.ip_unprivileged_port_start", "0"));
  }

  static PodSandboxConfig.Builder withNamespaces(PodSandboxConfig.Builder config, NamespaceMode network, NamespaceMode pid,
      NamespaceMode ipc) {
    config.getLinuxBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(network).setPid(pid).setIpc(ipc)));
    return config;
  }

  /** As containerd 2.1 packs it: the bare type name as type_url. */
  static Any options(PodSandboxConfig config) {
    return Any.newBuilder().setTypeUrl("runtime.v1.PodSandboxConfig").setValue(config.toByteString()).build();
  }
}
