package dev.sandboxd.podfiles;

import java.util.List;
import java.util.Objects;

/**
 * The cluster's DNS as kubelet's --cluster-dns and --cluster-domain give it: the servers
 * ClusterFirst pods use (none: they fall back to Default) and the domain of their search list and
 * of a subdomain pod's name ("" for none).
 */
public record ClusterDns(List<String> servers, String domain) {
  public static final String DEFAULT_DOMAIN = "cluster.local";

  public ClusterDns {
    servers = List.copyOf(servers);
    Objects.requireNonNull(domain, "domain");
  }
}
