package dev.sandboxd.cri;

import com.google.protobuf.ByteString;
import dev.sandboxd.cgroup.ResourceMapping;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodSecurityContext;
import dev.sandboxd.pod.ResourceRequirements;
import dev.sandboxd.pod.SeccompProfile;
import dev.sandboxd.pod.SecurityContext;
import dev.sandboxd.pod.Volume;
import dev.sandboxd.pod.VolumeMount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import runtime.v1.Api.Capability;
import runtime.v1.Api.ContainerConfig;
import runtime.v1.Api.ContainerMetadata;
import runtime.v1.Api.ImageSpec;
import runtime.v1.Api.Int64Value;
import runtime.v1.Api.KeyValue;
import runtime.v1.Api.LinuxContainerConfig;
import runtime.v1.Api.LinuxContainerResources;
import runtime.v1.Api.LinuxContainerSecurityContext;
import runtime.v1.Api.LinuxPodSandboxConfig;
import runtime.v1.Api.LinuxSandboxSecurityContext;
import runtime.v1.Api.Mount;
import runtime.v1.Api.NamespaceMode;
import runtime.v1.Api.NamespaceOption;
import runtime.v1.Api.PodSandboxConfig;
import runtime.v1.Api.PodSandboxMetadata;
import runtime.v1.Api.SecurityProfile;

/**
 * A validated pod as kubelet translates it into CRI requests (pkg/kubelet/kuberuntime): the
 * PodSandboxConfig of RunPodSandbox and a ContainerConfig per container. Pure: the directories
 * come in as {@link CriPodFiles}, nothing is created here. What only a kubelet does (probes,
 * restarts, hooks) is not applied and comes back as warnings; what CRI cannot be given safely
 * without one (subPath, memory-backed or Localhost-profile volumes) is refused naming the field.
 */
public final class CriPodConfigs {
  /** The labels kubelet puts on every sandbox and container, which tools (crictl) filter on. */
  public static final String POD_NAME_LABEL = "io.kubernetes.pod.name";
  public static final String POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
  public static final String POD_UID_LABEL = "io.kubernetes.pod.uid";
  public static final String CONTAINER_NAME_LABEL = "io.kubernetes.container.name";

  private CriPodConfigs() {}

  /**
   * @param cgroupParent the cgroup the node's pods go under; the pod gets {@code <parent>/pod<uid>}
   *     as kubelet's cgroupfs driver names it
   */
  public static CriPodPlan plan(Pod pod, CriPodFiles files, String cgroupParent) {
    PodSandboxConfig sandbox = sandboxConfig(pod, files, cgroupParent);
    List<ContainerConfig> init = new ArrayList<>();
    for (int i = 0; i < pod.spec().initContainers().size(); i++) {
      init.add(containerConfig(pod, pod.spec().initContainers().get(i), "spec.initContainers[" + i + "]", files));
    }
    List<ContainerConfig> apps = new ArrayList<>();
    for (int i = 0; i < pod.spec().containers().size(); i++) {
      apps.add(containerConfig(pod, pod.spec().containers().get(i), "spec.containers[" + i + "]", files));
    }
    return new CriPodPlan(sandbox, init, apps, warnings(pod));
  }

  static PodSandboxConfig sandboxConfig(Pod pod, CriPodFiles files, String cgroupParent) {
    var meta = pod.metadata();
    PodSecurityContext psc = pod.spec().securityContext();
    LinuxSandboxSecurityContext.Builder security = LinuxSandboxSecurityContext.newBuilder()
        .setNamespaceOptions(namespaces(pod))
        .addAllSupplementalGroups(psc.supplementalGroups())
        .setSeccomp(seccomp(psc.seccompProfile().orElse(SeccompProfile.RUNTIME_DEFAULT), "spec.securityContext.seccompProfile"));
    psc.runAsUser().ifPresent(uid -> security.setRunAsUser(int64(uid)));
    psc.runAsGroup().ifPresent(gid -> security.setRunAsGroup(int64(gid)));
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder()
            .setName(meta.name()).setNamespace(meta.namespace()).setUid(meta.uid()).setAttempt(0))
        .setHostname(pod.hostname())
        .setLogDirectory(files.logDirectory().toString())
        .putAllLabels(podLabels(pod))
        .putAllAnnotations(meta.annotations())
        .setLinux(LinuxPodSandboxConfig.newBuilder()
            .setCgroupParent(stripTrailingSlash(cgroupParent) + "/pod" + meta.uid())
            .setSecurityContext(security))
        .build();
  }

  static ContainerConfig containerConfig(Pod pod, Container c, String field, CriPodFiles files) {
    Map<String, String> labels = new LinkedHashMap<>(identity(pod));
    labels.put(CONTAINER_NAME_LABEL, c.name());
    ContainerConfig.Builder config = ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(c.name()).setAttempt(0))
        .setImage(ImageSpec.newBuilder().setImage(c.image()))
        .addAllCommand(c.command())
        .addAllArgs(c.args())
        .setLogPath(c.name() + "/0.log")
        .putAllLabels(labels)
        .setLinux(LinuxContainerConfig.newBuilder()
            .setResources(resources(c.resources()))
            .setSecurityContext(securityContext(pod, c, field)));
    c.workingDir().ifPresent(config::setWorkingDir);
    c.env().forEach(e -> config.addEnvs(KeyValue.newBuilder().setKey(e.name()).setValue(ByteString.copyFromUtf8(e.value()))));
    for (int i = 0; i < c.volumeMounts().size(); i++) {
      config.addMounts(mount(pod, c.volumeMounts().get(i), field + ".volumeMounts[" + i + "]", files));
    }
    return config.build();
  }

  /** What of the pod is kubelet's to do and not done here: it is still run, without it. */
  static List<String> warnings(Pod pod) {
    List<String> warnings = new ArrayList<>();
    List<Container> all = pod.spec().allContainers();
    for (Container c : all) {
      var s = c.supervision();
      if (s.startupProbe().isPresent() || s.livenessProbe().isPresent() || s.readinessProbe().isPresent()) {
        warnings.add("container " + c.name() + ": probes are kubelet's; sandboxctl cri does not run them");
      }
      if (!s.preStopCommand().isEmpty()) {
        warnings.add("container " + c.name() + ": the preStop hook is kubelet's; sandboxctl cri does not run it");
      }
      if (s.isSidecar()) {
        warnings.add("init container " + c.name() + ": restartPolicy Always (sidecar) is kubelet's; it runs once, to its end, before the app containers");
      }
      if (c.securityContext().runAsNonRoot().orElse(pod.spec().securityContext().runAsNonRoot().orElse(false))) {
        warnings.add("container " + c.name() + ": runAsNonRoot is checked by kubelet, not CRI; sandboxctl cri does not check it");
      }
    }
    warnings.add("containers run once: restarts (restartPolicy " + pod.spec().restartPolicy() + ") are kubelet's");
    return warnings;
  }

  private static Map<String, String> identity(Pod pod) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(POD_NAME_LABEL, pod.metadata().name());
    labels.put(POD_NAMESPACE_LABEL, pod.metadata().namespace());
    labels.put(POD_UID_LABEL, pod.metadata().uid());
    return labels;
  }

  private static Map<String, String> podLabels(Pod pod) {
    Map<String, String> labels = new LinkedHashMap<>(pod.metadata().labels());
    labels.putAll(identity(pod));
    return labels;
  }

  /** Network and IPC are the pod's; PID too when it shares its process namespace (kubelet's rule). */
  private static NamespaceOption namespaces(Pod pod) {
    return NamespaceOption.newBuilder()
        .setNetwork(NamespaceMode.POD)
        .setIpc(NamespaceMode.POD)
        .setPid(pod.spec().shareProcessNamespace() ? NamespaceMode.POD : NamespaceMode.CONTAINER)
        .build();
  }

  private static LinuxContainerSecurityContext securityContext(Pod pod, Container c, String field) {
    SecurityContext sc = c.securityContext();
    PodSecurityContext psc = pod.spec().securityContext();
    LinuxContainerSecurityContext.Builder out = LinuxContainerSecurityContext.newBuilder()
        .setNamespaceOptions(namespaces(pod))
        .setPrivileged(sc.privileged().orElse(false))
        .setReadonlyRootfs(sc.readOnlyRootFilesystem().orElse(false))
        .addAllSupplementalGroups(psc.supplementalGroups())
        .setCapabilities(Capability.newBuilder()
            .addAllAddCapabilities(criCapabilities(sc.capabilitiesAdd()))
            .addAllDropCapabilities(criCapabilities(sc.capabilitiesDrop())))
        .setSeccomp(seccomp(
            sc.seccompProfile().or(psc::seccompProfile).orElse(SeccompProfile.RUNTIME_DEFAULT),
            sc.seccompProfile().isPresent() ? field + ".securityContext.seccompProfile" : "spec.securityContext.seccompProfile"));
    // kubelet: no_new_privs exactly when privilege escalation is explicitly not allowed.
    sc.allowPrivilegeEscalation().ifPresent(allow -> out.setNoNewPrivs(!allow));
    sc.runAsUser().or(psc::runAsUser).ifPresent(uid -> out.setRunAsUser(int64(uid)));
    sc.runAsGroup().or(psc::runAsGroup).ifPresent(gid -> out.setRunAsGroup(int64(gid)));
    return out.build();
  }

  /** CRI takes capability names without "CAP_" (containerd prefixes every one); the parser adds it. */
  private static List<String> criCapabilities(List<String> names) {
    return names.stream().map(n -> n.startsWith("CAP_") ? n.substring(4) : n).toList();
  }

  private static SecurityProfile seccomp(SeccompProfile profile, String field) {
    return switch (profile.type()) {
      case RuntimeDefault -> SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault).build();
      case Unconfined -> SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Unconfined).build();
      // kubelet resolves it below its own seccomp root, which this path has not got
      case Localhost -> throw SandboxdException.invalidArgument(
          "%s: type Localhost is not supported by sandboxctl cri (use RuntimeDefault or Unconfined)", field);
    };
  }

  /** Requests and limits as kubelet's cgroupfs mapping gives them to CRI (cgroup v1 units; runc converts). */
  private static LinuxContainerResources resources(ResourceRequirements r) {
    LinuxContainerResources.Builder out = LinuxContainerResources.newBuilder()
        .setCpuShares(ResourceMapping.milliCpuToShares(r.requestMilli(ResourceRequirements.CPU)));
    r.limit(ResourceRequirements.CPU).ifPresent(limit -> out
        .setCpuPeriod(ResourceMapping.CPU_PERIOD_USEC)
        .setCpuQuota(ResourceMapping.milliCpuToQuota(limit.milliValue())));
    r.limit(ResourceRequirements.MEMORY).ifPresent(limit -> out.setMemoryLimitInBytes(limit.value()));
    return out.build();
  }

  private static Mount mount(Pod pod, VolumeMount m, String field, CriPodFiles files) {
    if (m.subPath().isPresent()) {
      // kubelet opens a subPath component by component against symlink escapes; CRI takes a plain path
      throw SandboxdException.invalidArgument("%s.subPath: is not supported by sandboxctl cri", field);
    }
    List<Volume> volumes = pod.spec().volumes();
    int index = 0;
    while (!volumes.get(index).name().equals(m.name())) {
      index++; // the parser checked that every mount names a volume
    }
    Volume.Source source = volumes.get(index).source();
    String host;
    if (source instanceof Volume.HostPath hostPath) {
      host = hostPath.path();
    } else {
      Volume.EmptyDir emptyDir = (Volume.EmptyDir) source;
      if (emptyDir.memoryMedium() || emptyDir.sizeLimitBytes().isPresent()) {
        throw SandboxdException.invalidArgument(
            "spec.volumes[%d].emptyDir: medium and sizeLimit are not supported by sandboxctl cri (a plain directory is)", index);
      }
      host = files.emptyDir(m.name()).toString();
    }
    return Mount.newBuilder().setContainerPath(m.mountPath()).setHostPath(host).setReadonly(m.readOnly()).build();
  }

  private static Int64Value int64(long value) {
    return Int64Value.newBuilder().setValue(value).build();
  }

  private static String stripTrailingSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
