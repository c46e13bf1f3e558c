package dev.sandboxd.spec;

import static dev.sandboxd.errdefs.SandboxdException.invalidArgument;

import dev.sandboxd.cgroup.CgroupLimits;
import dev.sandboxd.cgroup.ResourceMapping;
import dev.sandboxd.image.ImageConfig;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.SeccompProfile;
import dev.sandboxd.pod.SecurityContext;
import dev.sandboxd.spec.OciSpec.Capabilities;
import dev.sandboxd.spec.OciSpec.Linux;
import dev.sandboxd.spec.OciSpec.Mount;
import dev.sandboxd.spec.OciSpec.Namespace;
import dev.sandboxd.spec.OciSpec.NamespaceType;
import dev.sandboxd.spec.OciSpec.Resources;
import dev.sandboxd.spec.OciSpec.Root;
import dev.sandboxd.spec.OciSpec.User;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the OCI runtime specs of a pod's pause and app containers, the way containerd's
 * populateDefaultUnixSpec and CRI's sandbox and container specs do. Pure functions of their
 * inputs (no I/O, clock or randomness), so tests can assert on every field.
 */
public final class OciSpecs {

  /** The pause process is the last to be killed on memory pressure, as in CRI. */
  public static final int PAUSE_OOM_SCORE_ADJ = -998;

  private OciSpecs() {}

  /**
   * CRI's restrict_oom_score_adj: without CAP_SYS_RESOURCE (as on the test machines) runc may
   * not set a score below the one sandboxd itself has, and the task would fail to start.
   *
   * @param current sandboxd's own /proc/self/oom_score_adj, read by the caller
   */
  public static int restrictOomScoreAdj(int preferred, int current) {
    return Math.max(preferred, current);
  }

  /**
   * The pause container: the image's entrypoint and cmd as an unprivileged user without any
   * capability, on a read-only root, owning new pid, ipc, uts, mount and network namespaces that
   * runc creates (and brings lo up in), with the pod's hostname, under the seccomp filter given
   * (RuntimeDefault for sandboxd's own pods; what CRI asked for in its).
   */
  public static OciSpec forPause(PauseSpecInputs in) {
    ImageConfig image = in.image();
    List<String> args = concat(image.entrypoint(), image.cmd());
    if (args.isEmpty()) {
      throw invalidArgument("pause image config: neither entrypoint nor cmd is set, nothing to run");
    }
    OciSpec.Process process =
        new OciSpec.Process(
            false,
            ProcessUser.forPause(image),
            args,
            mergeEnv(List.of(), image.env()),
            workingDir(Optional.empty(), image),
            Capabilities.of(List.of()),
            true,
            in.oomScoreAdj());
    // A namespace shared with the node is one the spec does not list; a host network brings the
    // host's UTS namespace with it (and so no hostname of the pod's), as in containerd's CRI.
    boolean hostNetwork = in.hostNamespaces().contains(HostNamespace.NETWORK);
    List<Namespace> namespaces = new ArrayList<>();
    if (!in.hostNamespaces().contains(HostNamespace.PID)) {
      namespaces.add(Namespace.create(NamespaceType.PID));
    }
    if (!in.hostNamespaces().contains(HostNamespace.IPC)) {
      namespaces.add(Namespace.create(NamespaceType.IPC));
    }
    if (!hostNetwork) {
      namespaces.add(Namespace.create(NamespaceType.UTS));
    }
    namespaces.add(Namespace.create(NamespaceType.MOUNT));
    if (!hostNetwork) {
      namespaces.add(in.netnsPath().map(path -> Namespace.join(NamespaceType.NETWORK, path))
          .orElse(Namespace.create(NamespaceType.NETWORK)));
    }
    Linux linux =
        new Linux(
            namespaces,
            in.cgroupsPath(),
            Resources.devicesOnly(LinuxDefaults.DEVICE_RULES),
            LinuxDefaults.MASKED_PATHS,
            LinuxDefaults.READONLY_PATHS,
            in.seccomp().orElse(null),
            in.sysctls());
    // No cgroup mount: pause has no cgroup namespace and never looks at its cgroup (see cgroupMount).
    return new OciSpec(
        OciSpec.VERSION,
        process,
        new Root(LinuxDefaults.ROOTFS, true),
        hostNetwork ? "" : in.hostname(),
        LinuxDefaults.mounts(false),
        podAnnotations(in.podNamespace(), in.podName(), in.podUid(), in.sandboxId(), CriAnnotations.CONTAINER_TYPE_SANDBOX),
        linux);
  }

  /**
   * An app or init container joined to the pause process's network, ipc and uts namespaces (and
   * its pid namespace when the pod shares one), in new mount and cgroup namespaces. Throws
   * InvalidArgument, naming the field, when the container has nothing to run, its user cannot be
   * resolved, runAsNonRoot forbids the resolved uid 0 or a capability name is unknown; and
   * FailedPrecondition when it adds a capability sandboxd does not hold.
   *
   * <p>Privileged containers get every available capability, every device allowed in the device
   * cgroup, no masked or read-only paths and writable sysfs and cgroupfs; the host's device nodes
   * are not passed through.
   */
  public static OciSpec forContainer(ContainerSpecInputs in) {
    Pod pod = in.pod();
    Container container = in.container();
    ImageConfig image = in.image();
    SecurityContext sc = container.securityContext();
    String path = fieldPath(pod, container);
    boolean privileged = sc.privileged().orElse(false);
    boolean readOnlyRoot = sc.readOnlyRootFilesystem().orElse(false);

    User user = ProcessUser.forContainer(sc, pod.spec().securityContext(), image, path);
    List<String> caps =
        LinuxCapabilities.forContainer(sc, in.availableCapabilities(), path + ".securityContext");
    // Kubernetes: no_new_privs only when allowPrivilegeEscalation is explicitly false.
    boolean noNewPrivileges = !privileged && !sc.allowPrivilegeEscalation().orElse(true);
    OciSpec.Process process =
        new OciSpec.Process(
            false,
            user,
            processArgs(container, image, path),
            containerEnv(container, image, in.hostname()),
            workingDir(container.workingDir(), image),
            Capabilities.of(caps),
            noNewPrivileges,
            in.oomScoreAdj());

    String ns = "/proc/" + in.pausePid() + "/ns/";
    Namespace pid =
        pod.spec().shareProcessNamespace()
            ? Namespace.join(NamespaceType.PID, ns + "pid")
            : Namespace.create(NamespaceType.PID);
    Linux linux =
        new Linux(
            List.of(
                pid,
                Namespace.join(NamespaceType.IPC, ns + "ipc"),
                Namespace.join(NamespaceType.UTS, ns + "uts"),
                Namespace.create(NamespaceType.MOUNT),
                Namespace.join(NamespaceType.NETWORK, ns + "net"),
                // Also for privileged containers (CRI gives those the host's): see cgroupMount.
                Namespace.create(NamespaceType.CGROUP)),
            in.cgroupsPath(),
            resources(privileged ? LinuxDefaults.ALL_DEVICES : LinuxDefaults.DEVICE_RULES, in.limits()),
            privileged ? List.of() : LinuxDefaults.MASKED_PATHS,
            privileged ? List.of() : LinuxDefaults.READONLY_PATHS,
            seccomp(in, caps, privileged));

    Map<String, String> annotations =
        new HashMap<>(podAnnotations(pod.metadata().namespace(), pod.metadata().name(), pod.metadata().uid(), in.sandboxId(),
            CriAnnotations.CONTAINER_TYPE_CONTAINER));
    annotations.put(CriAnnotations.CONTAINER_NAME, container.name());
    annotations.put(CriAnnotations.IMAGE_NAME, container.image());

    return new OciSpec(
        OciSpec.VERSION,
        process,
        new Root(LinuxDefaults.ROOTFS, readOnlyRoot),
        "", // the pause spec named the shared UTS namespace
        containerMounts(in.volumeBinds(), in.etcFiles(), privileged, readOnlyRoot),
        annotations,
        linux);
  }

  /**
   * The profile a container runs under: its own securityContext.seccompProfile, else the pod's,
   * else RuntimeDefault (sandboxd's default, as kubelet's --seccomp-default makes it).
   */
  public static SeccompProfile effectiveSeccompProfile(Pod pod, Container container) {
    return container.securityContext().seccompProfile()
        .or(() -> pod.spec().securityContext().seccompProfile())
        .orElse(SeccompProfile.RUNTIME_DEFAULT);
  }

  /** Privileged containers run unconfined, as in Kubernetes, whatever profile they name. */
  private static OciSpec.Seccomp seccomp(ContainerSpecInputs in, List<String> caps, boolean privileged) {
    if (privileged) {
      return null;
    }
    SeccompProfile profile = effectiveSeccompProfile(in.pod(), in.container());
    switch (profile.type()) {
      case Unconfined:
        return null;
      case Localhost:
        return in.localhostSeccomp().orElseThrow(() -> new IllegalArgumentException(
            "container " + in.container().name() + " asks for Localhost profile " + profile.localhostProfile().orElseThrow()
                + " but the inputs do not hold it"));
      default:
        // The process's bounding set decides, as in containerd: CAP_SYS_ADMIN opens mount, unshare, ...
        return RuntimeDefaultSeccomp.profile(LinuxDefaults.ARCH, caps);
    }
  }

  /**
   * The container's limits as runc takes them: CPU shares (runc turns them into cpu.weight with
   * kubelet's formula) and CFS quota, memory with swap equal to the limit (no swap, as CRI sets
   * it), and the 2 MiB huge page limit.
   */
  private static Resources resources(List<OciSpec.DeviceRule> devices, CgroupLimits limits) {
    OciSpec.Cpu cpu = null;
    if (limits.cpuShares().isPresent() || limits.cpuQuotaUsec().isPresent()) {
      boolean quota = limits.cpuQuotaUsec().isPresent();
      cpu = new OciSpec.Cpu(
          limits.cpuShares().isPresent() ? limits.cpuShares().getAsLong() : null,
          quota ? limits.cpuQuotaUsec().getAsLong() : null,
          quota ? ResourceMapping.CPU_PERIOD_USEC : null);
    }
    OciSpec.Memory memory = null;
    if (limits.memoryMaxBytes().isPresent()) {
      long limit = limits.memoryMaxBytes().getAsLong();
      memory = new OciSpec.Memory(limit, limit);
    }
    List<OciSpec.HugepageLimit> hugepages = limits.hugetlb2MiBytes().isPresent()
        ? List.of(new OciSpec.HugepageLimit("2MB", limits.hugetlb2MiBytes().getAsLong()))
        : List.of();
    return new Resources(devices, memory, cpu, hugepages);
  }

  /**
   * Kubernetes' rule: command replaces the image's entrypoint and, then, its cmd too; args alone
   * replace only cmd. An entrypoint of [""] means "none", as Docker writes it.
   */
  private static List<String> processArgs(Container container, ImageConfig image, String path) {
    List<String> command = container.command();
    List<String> args = container.args();
    if (command.isEmpty()) {
      if (args.isEmpty()) {
        args = image.cmd();
      }
      command = image.entrypoint().equals(List.of("")) ? List.of() : image.entrypoint();
    }
    List<String> argv = concat(command, args);
    if (argv.isEmpty()) {
      throw invalidArgument(
          "%s.command: no command specified for container \"%s\": neither command nor args is set and image \"%s\" has no entrypoint or cmd",
          path, container.name(), container.image());
    }
    return argv;
  }

  /** CRI's order: default PATH, HOSTNAME, the image's variables, the container's; a later name replaces an earlier. */
  private static List<String> containerEnv(Container container, ImageConfig image, String hostname) {
    List<String> env = mergeEnv(List.of(LinuxDefaults.PATH_ENV), List.of("HOSTNAME=" + hostname));
    env = mergeEnv(env, image.env());
    return mergeEnv(env, container.env().stream().map(e -> e.name() + "=" + e.value()).toList());
  }

  /**
   * "K=V" entries of overrides replace the entry of the same name in place or are appended; a
   * bare "K" removes it (an image may unset a variable that way).
   */
  private static List<String> mergeEnv(List<String> base, List<String> overrides) {
    Map<String, String> byName = new LinkedHashMap<>();
    for (String e : base) {
      byName.put(envName(e), e);
    }
    for (String e : overrides) {
      if (e.indexOf('=') < 0) {
        byName.remove(e);
      } else {
        byName.put(envName(e), e);
      }
    }
    return List.copyOf(byName.values());
  }

  private static String envName(String entry) {
    int eq = entry.indexOf('=');
    return eq < 0 ? entry : entry.substring(0, eq);
  }

  private static String workingDir(Optional<String> containerDir, ImageConfig image) {
    return containerDir
        .filter(d -> !d.isEmpty())
        .or(() -> image.workingDir().filter(d -> !d.isEmpty()))
        .orElse("/");
  }

  /**
   * Default mounts first, then the volume binds and the pod's /etc files sorted by depth (a
   * parent before its children; same depth keeps this order). A bind onto a default mount's
   * destination replaces it, a bind onto /dev replaces everything under /dev, and a volume onto
   * an /etc file replaces the pod's file: CRI's rules.
   */
  private static List<Mount> containerMounts(
      List<VolumeBind> volumes, EtcFiles etc, boolean privileged, boolean readOnlyRoot) {
    List<Mount> binds = new ArrayList<>();
    Set<String> destinations = new HashSet<>();
    for (VolumeBind v : volumes) {
      binds.add(bind(v.hostPath(), v.containerPath(), v.readOnly()));
      destinations.add(clean(v.containerPath()));
    }
    // containerd mounts hostname and resolv.conf read-only exactly when the root filesystem is;
    // kubelet mounts its hosts file read-write always.
    Map<String, Optional<String>> etcFiles = new LinkedHashMap<>();
    etcFiles.put("/etc/hostname", etc.hostname());
    etcFiles.put("/etc/hosts", etc.hosts());
    etcFiles.put("/etc/resolv.conf", etc.resolvConf());
    etcFiles.forEach(
        (destination, host) -> {
          if (host.isPresent() && destinations.add(destination)) {
            binds.add(bind(host.get(), destination, readOnlyRoot && !destination.equals("/etc/hosts")));
          }
        });
    binds.sort(Comparator.comparingLong(m -> clean(m.destination()).chars().filter(ch -> ch == '/').count()));

    List<Mount> defaults = new ArrayList<>(LinuxDefaults.mounts(privileged));
    defaults.add(LinuxDefaults.cgroupMount(privileged));
    boolean devReplaced = destinations.contains("/dev");
    List<Mount> mounts = new ArrayList<>();
    for (Mount m : defaults) {
      String destination = clean(m.destination());
      if (!destinations.contains(destination) && !(devReplaced && destination.startsWith("/dev/"))) {
        mounts.add(m);
      }
    }
    mounts.addAll(binds);
    return mounts;
  }

  private static Mount bind(String hostPath, String containerPath, boolean readOnly) {
    return new Mount(containerPath, "bind", hostPath, List.of("rbind", "rprivate", readOnly ? "ro" : "rw"));
  }

  /** Lexical only ("/a//b/../c/" is "/a/c"): parses the string, never touches the filesystem. */
  private static String clean(String path) {
    return Path.of(path).normalize().toString();
  }

  private static Map<String, String> podAnnotations(
      String namespace, String name, String uid, String sandboxId, String containerType) {
    return Map.of(
        CriAnnotations.CONTAINER_TYPE, containerType,
        CriAnnotations.SANDBOX_ID, sandboxId,
        CriAnnotations.SANDBOX_NAME, name,
        CriAnnotations.SANDBOX_NAMESPACE, namespace,
        CriAnnotations.SANDBOX_UID, uid,
        CriAnnotations.RUNC_SHIM_GROUP, sandboxId);
  }

  /** The container's place in the manifest, for error messages: spec.containers[1] (inputs checked it is there). */
  private static String fieldPath(Pod pod, Container container) {
    int i = pod.spec().containers().indexOf(container);
    if (i >= 0) {
      return "spec.containers[" + i + "]";
    }
    return "spec.initContainers[" + pod.spec().initContainers().indexOf(container) + "]";
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }
}
