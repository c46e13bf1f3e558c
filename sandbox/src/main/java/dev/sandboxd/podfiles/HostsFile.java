package dev.sandboxd.podfiles;

import dev.sandboxd.pod.PodDns;
import java.util.List;
import java.util.Optional;

/** A pod's /etc/hosts in kubelet's format (kubelet_pods.go: managedHostsFileContent, nodeHostsFileContent). */
public final class HostsFile {
  static final String HEADER = "# Kubernetes-managed hosts file.\n";
  static final String HOST_NETWORK_HEADER = "# Kubernetes-managed hosts file (host network).\n";
  static final String LOCALHOST = """
      127.0.0.1\tlocalhost
      ::1\tlocalhost ip6-localhost ip6-loopback
      fe00::0\tip6-localnet
      fe00::0\tip6-mcastprefix
      fe00::1\tip6-allnodes
      fe00::2\tip6-allrouters
      """;
  /**
   * Where the pod's own name points while it has no IP (loopback only): Debian's address for a
   * host without a fixed one, so the name resolves, as it did before pods had IPs. kubelet has no
   * such case (it mounts no hosts file until the pod has an IP).
   */
  static final String NO_POD_IP = "127.0.1.1";

  private HostsFile() {}

  /**
   * The file of a pod in its own network namespace: localhost, the pod's IP (or {@link #NO_POD_IP})
   * with its FQDN first when it has a subdomain ("10.0.0.5\tweb-0.db.ns.svc.cluster.local\tweb-0"),
   * then the host aliases.
   */
  public static String managed(Optional<String> podIp, String hostname, Optional<String> fqdn, List<PodDns.HostAlias> aliases) {
    StringBuilder out = new StringBuilder(HEADER).append(LOCALHOST);
    out.append(podIp.orElse(NO_POD_IP)).append('\t');
    fqdn.ifPresent(f -> out.append(f).append('\t'));
    out.append(hostname).append('\n');
    return out.append(aliases(aliases)).toString();
  }

  /** A host-network pod's: the node's file, then the host aliases. */
  public static String hostNetwork(String nodeHosts, List<PodDns.HostAlias> aliases) {
    return HOST_NETWORK_HEADER + nodeHosts + aliases(aliases);
  }

  private static String aliases(List<PodDns.HostAlias> aliases) {
    if (aliases.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder("\n# Entries added by HostAliases.\n");
    aliases.forEach(a -> out.append(a.ip()).append('\t').append(String.join("\t", a.hostnames())).append('\n'));
    return out.toString();
  }
}
