package dev.sandboxd.spec;

import dev.sandboxd.cgroup.CgroupLimits;
import dev.sandboxd.image.ImageConfig;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything an app or init container's spec depends on.
 *
 * @param container one of pod.spec().containers() or initContainers(); error messages name it
 *     by its index there
 * @param pausePid the running pause process, whose namespaces the container joins
 * @param cgroupsPath the container's cgroup (runc's cgroupsPath), "" for runc's default
 * @param volumeBinds the container's volumeMounts, resolved to host paths, in manifest order
 * @param hostname the pod's hostname, for the HOSTNAME variable
 * @param availableCapabilities what capabilities.add ALL and privileged grant: the ones
 *     sandboxd holds itself (its CapBnd, see {@link LinuxCapabilities#fromMask}), as CRI does
 * @param oomScoreAdj the process's oom_score_adj for its QoS class (see {@link
 *     OciSpecs#restrictOomScoreAdj})
 * @param limits the container's cgroup limits (linux.resources), only those whose controller the
 *     node has
 * @param localhostSeccomp the profile file's content when the container's effective profile
 *     ({@link OciSpecs#effectiveSeccompProfile}) is Localhost, read by the caller
 */
public record ContainerSpecInputs(
    Pod pod,
    Container container,
    ImageConfig image,
    String sandboxId,
    int pausePid,
    String cgroupsPath,
    List<VolumeBind> volumeBinds,
    String hostname,
    EtcFiles etcFiles,
    List<String> availableCapabilities,
    int oomScoreAdj,
    CgroupLimits limits,
    Optional<OciSpec.Seccomp> localhostSeccomp) {

  /** Inputs of a container whose profile is not Localhost. */
  public ContainerSpecInputs(
      Pod pod,
      Container container,
      ImageConfig image,
      String sandboxId,
      int pausePid,
      String cgroupsPath,
      List<VolumeBind> volumeBinds,
      String hostname,
      EtcFiles etcFiles,
      List<String> availableCapabilities,
      int oomScoreAdj,
      CgroupLimits limits) {
    this(pod, container, image, sandboxId, pausePid, cgroupsPath, volumeBinds, hostname, etcFiles, availableCapabilities,
        oomScoreAdj, limits, Optional.empty());
  }

  public ContainerSpecInputs {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(container, "container");
    if (!pod.spec().containers().contains(container) && !pod.spec().initContainers().contains(container)) {
      throw new IllegalArgumentException("container " + container.name() + " is not one of pod " + pod.fullName());
    }
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(sandboxId, "sandboxId");
    if (pausePid <= 0) {
      throw new IllegalArgumentException("pausePid must be positive: " + pausePid);
    }
    Objects.requireNonNull(cgroupsPath, "cgroupsPath");
    volumeBinds = List.copyOf(volumeBinds);
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(etcFiles, "etcFiles");
    availableCapabilities = List.copyOf(availableCapabilities);
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(localhostSeccomp, "localhostSeccomp");
  }
}
