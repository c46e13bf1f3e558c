package dev.sandboxd.sandboxer;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.sandboxd.spec.HostNamespace;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What sandboxd keeps of a CRI pod sandbox: the parts of CRI's PodSandboxConfig it acts on, read
 * once at Create by {@link CriSandboxConfigs}. Persisted in the sandbox's record, so the pod files
 * can be written again after containerd deleted them and status answers after a restart.
 *
 * @param netnsPath CRI's pinned network namespace, "" for a host-network pod
 * @param cgroupParent the pod's cgroup as kubelet names it, "" when none was given
 * @param hostname "" for the node's
 */
public record CriPodSandbox(
    String id,
    String podNamespace,
    String podName,
    String podUid,
    int attempt,
    String hostname,
    String netnsPath,
    Dns dns,
    Set<HostNamespace> hostNamespaces,
    Map<String, String> sysctls,
    String cgroupParent,
    Map<String, String> labels,
    Map<String, String> annotations) {

  public CriPodSandbox {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(netnsPath, "netnsPath");
    Objects.requireNonNull(dns, "dns");
    Objects.requireNonNull(cgroupParent, "cgroupParent");
    hostNamespaces = Set.copyOf(hostNamespaces);
    sysctls = Map.copyOf(sysctls);
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
  }

  /** CRI's DNSConfig; all empty: the pod gets a copy of the node's resolv.conf. */
  public record Dns(List<String> servers, List<String> searches, List<String> options) {
    public Dns {
      servers = List.copyOf(servers);
      searches = List.copyOf(searches);
      options = List.copyOf(options);
    }

    @JsonIgnore // not a field of the record
    public boolean isEmpty() {
      return servers.isEmpty() && searches.isEmpty() && options.isEmpty();
    }
  }

  @JsonIgnore
  public boolean hostNetwork() {
    return hostNamespaces.contains(HostNamespace.NETWORK);
  }

  @JsonIgnore
  public boolean hostIpc() {
    return hostNamespaces.contains(HostNamespace.IPC);
  }

  /**
   * The pause task's cgroup, as containerd's CRI names it below the pod's: {@code parent/id} for
   * cgroupfs, {@code parent:cri-containerd:id} for a systemd slice; "" (runc's default) without one.
   */
  @JsonIgnore
  public String pauseCgroupsPath() {
    if (cgroupParent.isEmpty()) {
      return "";
    }
    if (cgroupParent.endsWith(".slice")) {
      return cgroupParent.substring(cgroupParent.lastIndexOf('/') + 1) + ":cri-containerd:" + id;
    }
    return cgroupParent + "/" + id;
  }
}
