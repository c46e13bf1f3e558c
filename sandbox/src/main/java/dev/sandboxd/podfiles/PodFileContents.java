package dev.sandboxd.podfiles;

import dev.sandboxd.pod.Pod;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a pod's /etc/hostname, /etc/hosts and /etc/resolv.conf hold, as kubelet (and containerd
 * writing kubelet's DNS settings) would make them; plus the warnings to publish. A pure function of
 * the pod, its IP, the settings and the node's files.
 */
public record PodFileContents(String hostname, String hosts, String resolvConf, List<PodFileWarning> warnings) {

  public PodFileContents {
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(hosts, "hosts");
    Objects.requireNonNull(resolvConf, "resolvConf");
    warnings = List.copyOf(warnings);
  }

  /** The node's files as read: /etc/hosts, and the --resolv-conf file (empty when that is ""). */
  public record NodeFiles(String hosts, Optional<String> resolvConf) {
    public NodeFiles {
      Objects.requireNonNull(hosts, "hosts");
      Objects.requireNonNull(resolvConf, "resolvConf");
    }
  }

  /**
   * @param podIp the pod's IP once its network is up; empty while pods have loopback only
   * @param hostNetwork the pod runs in the node's network namespace
   */
  public static PodFileContents render(
      Pod pod, Optional<String> podIp, boolean hostNetwork, ClusterDns cluster, NodeFiles node) {
    String hostname = pod.hostname();
    var dns = pod.spec().dns();
    String hosts;
    if (hostNetwork) {
      hosts = HostsFile.hostNetwork(node.hosts(), dns.hostAliases());
    } else {
      // kubelet's GeneratePodHostNameAndDomain: <hostname>.<subdomain>.<namespace>.svc.<cluster domain>
      Optional<String> fqdn = dns.subdomain().map(s -> hostname + "." + s + "." + pod.metadata().namespace()
          + ".svc." + cluster.domain());
      hosts = HostsFile.managed(podIp, hostname, fqdn, dns.hostAliases());
    }
    PodResolvConf.Resolved resolved =
        PodResolvConf.resolve(pod, hostNetwork, cluster, node.resolvConf().map(DnsSettings::parse));
    // containerd copies the node's file when kubelet's settings are empty.
    String resolvConf = resolved.settings().isEmpty() ? node.resolvConf().orElse("") : resolved.settings().render();
    return new PodFileContents(hostname + "\n", hosts, resolvConf, resolved.warnings());
  }
}
