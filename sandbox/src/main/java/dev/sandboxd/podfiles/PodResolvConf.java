package dev.sandboxd.podfiles;

import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodDns;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A pod's resolver configuration by its dnsPolicy, as kubelet's dns.Configurer.GetPodDNS makes
 * it: Default takes the node's; ClusterFirst the cluster's servers, its search list before the
 * node's and ndots:5, or Default with a warning when there is no cluster DNS (and always for a
 * host-network pod); None nothing. dnsConfig is then appended and the result cut to the
 * resolver's limits, with a warning when something is cut.
 */
public final class PodResolvConf {
  static final int MAX_NAMESERVERS = 3;
  static final int MAX_SEARCHES = 32;
  static final int MAX_SEARCH_CHARS = 2048;
  // glibc aborts on a longer search domain (kubelet drops them).
  static final int MAX_SEARCH_LENGTH = 253;

  /** The settings and what could not be honoured. */
  public record Resolved(DnsSettings settings, List<PodFileWarning> warnings) {
    public Resolved {
      warnings = List.copyOf(warnings);
    }
  }

  private PodResolvConf() {}

  /**
   * @param node the node's resolv.conf as read; empty when --resolv-conf is "" (then Default
   *     means the node's own resolver, 127.0.0.1, as kubelet says it)
   */
  public static Resolved resolve(Pod pod, boolean hostNetwork, ClusterDns cluster, Optional<DnsSettings> node) {
    PodDns dns = pod.spec().dns();
    List<PodFileWarning> warnings = new ArrayList<>();
    DnsSettings settings;
    boolean clusterFirst = dns.policy() == PodDns.Policy.ClusterFirstWithHostNet
        || (dns.policy() == PodDns.Policy.ClusterFirst && !hostNetwork);
    if (dns.policy() == PodDns.Policy.None) {
      settings = DnsSettings.EMPTY;
    } else if (clusterFirst && !cluster.servers().isEmpty()) {
      settings = new DnsSettings(cluster.servers(), clusterSearches(pod, cluster, node), List.of("ndots:5"));
    } else {
      if (clusterFirst) {
        warnings.add(new PodFileWarning(PodFileWarning.MISSING_CLUSTER_DNS,
            "sandboxd has no --cluster-dns and cannot give the pod dnsPolicy \"ClusterFirst\": falling back to \"Default\""));
      }
      settings = node.orElse(new DnsSettings(List.of("127.0.0.1"), List.of("."), List.of()));
    }
    if (dns.config().isPresent()) {
      settings = append(settings, dns.config().get());
    }
    return new Resolved(fitLimits(settings, warnings), warnings);
  }

  private static List<String> clusterSearches(Pod pod, ClusterDns cluster, Optional<DnsSettings> node) {
    List<String> nodeSearches = node.map(DnsSettings::searches).orElse(List.of());
    if (cluster.domain().isEmpty()) {
      return nodeSearches;
    }
    List<String> searches = new ArrayList<>(List.of(
        pod.metadata().namespace() + ".svc." + cluster.domain(), "svc." + cluster.domain(), cluster.domain()));
    searches.addAll(nodeSearches);
    return DnsSettings.distinct(searches);
  }

  private static DnsSettings append(DnsSettings base, PodDns.Config config) {
    List<String> servers = new ArrayList<>(base.servers());
    servers.addAll(config.nameservers());
    List<String> searches = new ArrayList<>(base.searches());
    searches.addAll(config.searches());
    List<String> options = config.options().stream()
        .map(o -> o.value().filter(v -> !v.isEmpty()).map(v -> o.name() + ":" + v).orElse(o.name()))
        .toList();
    return new DnsSettings(DnsSettings.distinct(servers), DnsSettings.distinct(searches),
        DnsSettings.mergeOptions(base.options(), options));
  }

  private static DnsSettings fitLimits(DnsSettings settings, List<PodFileWarning> warnings) {
    List<String> servers = settings.servers();
    if (servers.size() > MAX_NAMESERVERS) {
      servers = servers.subList(0, MAX_NAMESERVERS);
      warnings.add(new PodFileWarning(PodFileWarning.DNS_CONFIG_FORMING,
          "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: "
              + String.join(" ", servers)));
    }
    boolean cut = settings.searches().size() > MAX_SEARCHES;
    List<String> searches = new ArrayList<>();
    for (String s : settings.searches().subList(0, Math.min(MAX_SEARCHES, settings.searches().size()))) {
      if (s.length() > MAX_SEARCH_LENGTH) {
        cut = true;
      } else {
        searches.add(s);
      }
    }
    while (String.join(" ", searches).length() > MAX_SEARCH_CHARS) {
      searches.remove(searches.size() - 1);
      cut = true;
    }
    if (cut) {
      warnings.add(new PodFileWarning(PodFileWarning.DNS_CONFIG_FORMING,
          "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: "
              + String.join(" ", searches)));
    }
    return new DnsSettings(servers, searches, settings.options());
  }
}
