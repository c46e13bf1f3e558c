package dev.sandboxd.network;

import java.util.List;
import java.util.Optional;

/**
 * What attaching gave the pod: its addresses, IPv4 first. This is where the pod IP becomes known;
 * the pod's /etc/hosts and its status take it from here.
 */
public record NetworkStatus(List<String> ips) {
  public static final NetworkStatus NONE = new NetworkStatus(List.of());

  public NetworkStatus {
    ips = List.copyOf(ips);
  }

  /** The pod's primary IP (status.podIP), if the network gave it any. */
  public Optional<String> podIp() {
    return ips.stream().findFirst();
  }
}
