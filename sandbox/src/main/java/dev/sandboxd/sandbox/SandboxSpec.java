package dev.sandboxd.sandbox;

import dev.sandboxd.spec.HostNamespace;
import dev.sandboxd.spec.OciSpec;
import dev.sandboxd.spec.RuntimeDefaultSeccomp;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a sandbox is made from, whoever asks for it: sandboxd builds one from a Pod manifest, the
 * containerd-facing controller from CRI's PodSandboxConfig. Nothing here is manifest model.
 *
 * @param id the sandbox id (also the pause container's and the pod shim's group id)
 * @param pod who the sandbox is for
 * @param hostname set in the sandbox's UTS namespace, which every container of the pod joins
 * @param cgroupPath the pause task's cgroup (runc's cgroupsPath), "" for runc's default
 * @param netnsPath a network namespace to start the pause task in; empty: a new one (loopback only)
 * @param labels put on the pause container in containerd, next to sandboxd's own
 * @param hostNamespaces namespaces the pod shares with the node (CRI's NamespaceMode NODE)
 * @param sysctls set in the pod's namespaces when pause starts (CRI's pod sysctls)
 * @param seccomp the pause task's seccomp filter; empty runs it without one
 */
public record SandboxSpec(
    String id,
    PodIdentity pod,
    String hostname,
    String cgroupPath,
    Optional<String> netnsPath,
    Map<String, String> labels,
    Set<HostNamespace> hostNamespaces,
    Map<String, String> sysctls,
    Optional<OciSpec.Seccomp> seccomp) {

  /** A sandbox of sandboxd's own pods: every namespace its own, no sysctls, RuntimeDefault seccomp. */
  public SandboxSpec(String id, PodIdentity pod, String hostname, String cgroupPath, Optional<String> netnsPath,
      Map<String, String> labels) {
    this(id, pod, hostname, cgroupPath, netnsPath, labels, Set.of(), Map.of(), Optional.of(RuntimeDefaultSeccomp.forPause()));
  }

  public SandboxSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(cgroupPath, "cgroupPath");
    Objects.requireNonNull(netnsPath, "netnsPath");
    labels = Map.copyOf(labels);
    hostNamespaces = Set.copyOf(hostNamespaces);
    sysctls = Map.copyOf(sysctls);
    Objects.requireNonNull(seccomp, "seccomp");
  }

  /** A pod's Kubernetes identity. */
  public record PodIdentity(String namespace, String name, String uid) {
    public String fullName() {
      return namespace + "/" + name;
    }
  }
}
