package dev.sandboxd.podfiles;

import java.util.Objects;

/**
 * The files containerd's podsandbox controller writes for a CRI sandbox (sandbox_run.go,
 * setupSandboxFiles): hostname with a newline, a copy of the node's hosts, and resolv.conf from the
 * request's DNSConfig (search, nameserver and options lines) or, when that says nothing, a copy of
 * the node's. Plain values in and out: the CRI server maps its messages onto them.
 */
public record CriSandboxFiles(String hostname, String hosts, String resolvConf) {

  public CriSandboxFiles {
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(hosts, "hosts");
    Objects.requireNonNull(resolvConf, "resolvConf");
  }

  /**
   * @param hostname the config's hostname, or the node's when the config has none (the caller's
   *     choice: containerd asks the kernel)
   */
  public static CriSandboxFiles render(String hostname, DnsSettings dnsConfig, String nodeHosts, String nodeResolvConf) {
    String resolv = dnsConfig.isEmpty() ? nodeResolvConf : dnsConfig.render();
    return new CriSandboxFiles(hostname + "\n", nodeHosts, resolv);
  }
}
