package dev.sandboxd.spec;

import dev.sandboxd.image.ImageConfig;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the pause container's spec depends on.
 *
 * @param podNamespace, podName, podUid the pod's identity, for CRI's annotations
 * @param cgroupsPath the pause container's cgroup (runc's cgroupsPath), "" for runc's default
 * @param hostname the pod's hostname, set in the pause UTS namespace that every container of the
 *     pod joins
 * @param netnsPath a network namespace to join instead of making a new one
 * @param oomScoreAdj {@link OciSpecs#PAUSE_OOM_SCORE_ADJ}, or what {@link
 *     OciSpecs#restrictOomScoreAdj} leaves of it where sandboxd may not lower scores
 * @param hostNamespaces namespaces shared with the node (CRI pods only; a host network also
 *     means the host's UTS namespace, so no hostname is set, as containerd's CRI does)
 * @param sysctls written by runc in the pause task's namespaces (CRI's pod sysctls)
 * @param seccomp the pause task's seccomp filter, empty for none
 */
public record PauseSpecInputs(
    String podNamespace,
    String podName,
    String podUid,
    String sandboxId,
    ImageConfig image,
    String cgroupsPath,
    String hostname,
    Optional<String> netnsPath,
    int oomScoreAdj,
    Set<HostNamespace> hostNamespaces,
    Map<String, String> sysctls,
    Optional<OciSpec.Seccomp> seccomp) {

  /** A pause of sandboxd's own pods: every namespace its own, no sysctls, RuntimeDefault seccomp. */
  public PauseSpecInputs(String podNamespace, String podName, String podUid, String sandboxId, ImageConfig image,
      String cgroupsPath, String hostname, Optional<String> netnsPath, int oomScoreAdj) {
    this(podNamespace, podName, podUid, sandboxId, image, cgroupsPath, hostname, netnsPath, oomScoreAdj, Set.of(), Map.of(),
        Optional.of(RuntimeDefaultSeccomp.forPause()));
  }

  public PauseSpecInputs {
    Objects.requireNonNull(podNamespace, "podNamespace");
    Objects.requireNonNull(podName, "podName");
    Objects.requireNonNull(podUid, "podUid");
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(cgroupsPath, "cgroupsPath");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(netnsPath, "netnsPath");
    hostNamespaces = Set.copyOf(hostNamespaces);
    sysctls = Map.copyOf(sysctls);
    Objects.requireNonNull(seccomp, "seccomp");
  }
}
