package dev.sandboxd.podfiles;

/** Something the pod's files could not give as asked, as kubelet's warning events say it (reason, message). */
public record PodFileWarning(String reason, String message) {
  public static final String MISSING_CLUSTER_DNS = "MissingClusterDNS";
  public static final String DNS_CONFIG_FORMING = "DNSConfigForming";
}
