package dev.sandboxd.spec;

import java.util.Objects;
import java.util.Optional;

/**
 * Host paths of the pod's /etc/hostname, /etc/hosts and /etc/resolv.conf, shared by all its
 * containers; each present one is bind-mounted over the image's file.
 */
public record EtcFiles(Optional<String> hostname, Optional<String> hosts, Optional<String> resolvConf) {

  public static final EtcFiles NONE = new EtcFiles(Optional.empty(), Optional.empty(), Optional.empty());

  public EtcFiles {
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(hosts, "hosts");
    Objects.requireNonNull(resolvConf, "resolvConf");
  }
}
