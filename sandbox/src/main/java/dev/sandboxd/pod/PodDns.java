package dev.sandboxd.pod;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a pod says about its names and DNS: spec.subdomain, spec.hostAliases, spec.dnsPolicy and
 * spec.dnsConfig, checked as Kubernetes' validation checks them.
 */
public record PodDns(Optional<String> subdomain, List<HostAlias> hostAliases, Policy policy, Optional<Config> config) {

  /** No subdomain, no aliases, ClusterFirst and no dnsConfig: what a pod that says nothing gets. */
  public static final PodDns DEFAULT = new PodDns(Optional.empty(), List.of(), Policy.ClusterFirst, Optional.empty());

  public PodDns {
    Objects.requireNonNull(subdomain, "subdomain");
    hostAliases = List.copyOf(hostAliases);
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(config, "config");
  }

  /** spec.dnsPolicy, Kubernetes' names. */
  public enum Policy {
    ClusterFirst,
    ClusterFirstWithHostNet,
    Default,
    None
  }

  /** One spec.hostAliases entry: an IP and the names /etc/hosts gives it. */
  public record HostAlias(String ip, List<String> hostnames) {
    public HostAlias {
      Objects.requireNonNull(ip, "ip");
      hostnames = List.copyOf(hostnames);
    }
  }

  /** spec.dnsConfig: appended to what dnsPolicy gives (or all there is under None). */
  public record Config(List<String> nameservers, List<String> searches, List<Option> options) {
    public Config {
      nameservers = List.copyOf(nameservers);
      searches = List.copyOf(searches);
      options = List.copyOf(options);
    }
  }

  /** One resolver option: "ndots" with value "2" is written ndots:2, a valueless one by its name. */
  public record Option(String name, Optional<String> value) {
    public Option {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }
  }
}
