package dev.sandboxd.pod;

import static dev.sandboxd.pod.ManifestObject.invalid;
import static dev.sandboxd.pod.ManifestObject.quote;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads spec: volumes first, since containers' mounts must name them, then the containers. */
final class PodSpecReader {

  static final int MAX_CONTAINERS = 64;
  static final int MAX_VOLUMES = 256;
  // Far beyond any real grace period, and small enough that no caller's arithmetic overflows.
  static final long MAX_GRACE_PERIOD_SECONDS = Integer.MAX_VALUE;

  // schedulerName and enableServiceLinks are checked, then dropped: kubectl writes them.
  static final FieldSet SPEC =
      FieldSet.of(
          "containers", "initContainers", "volumes", "restartPolicy", "terminationGracePeriodSeconds",
          "shareProcessNamespace", "hostname", "securityContext", "dnsPolicy", "schedulerName",
          "enableServiceLinks", "subdomain", "hostAliases", "dnsConfig", "imagePullSecrets", "hostNetwork");
  private static final FieldSet LOCAL_OBJECT_REFERENCE = FieldSet.of("name");
  static final int MAX_PULL_SECRETS = 64;
  private static final FieldSet POD_SECURITY_CONTEXT =
      FieldSet.of("runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups", "seccompProfile");
  private static final FieldSet VOLUME = unsupportedSources(FieldSet.of("name", "hostPath", "emptyDir"));
  private static final FieldSet HOST_PATH = FieldSet.of("path", "type");
  private static final FieldSet EMPTY_DIR = FieldSet.of("medium", "sizeLimit");

  /** The other volume sources of a v1 Pod; a volume needs its source, so they are never dropped. */
  private static FieldSet unsupportedSources(FieldSet volume) {
    List<String> sources =
        List.of(
            "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
            "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
            "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
            "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image");
    for (String source : sources) {
      volume = volume.refusing(source, "volume source \"" + source + "\" is not supported (use hostPath or emptyDir)");
    }
    return volume;
  }

  PodSpec read(ManifestObject spec) {
    List<Volume> volumes = volumes(spec);
    Set<String> volumeNames = new HashSet<>();
    volumes.forEach(v -> volumeNames.add(v.name()));
    ContainerReader containerReader = new ContainerReader(volumeNames);

    List<ManifestObject> initItems = spec.objects("initContainers", ContainerReader.CONTAINER, MAX_CONTAINERS);
    List<ManifestObject> items = spec.objects("containers", ContainerReader.CONTAINER, MAX_CONTAINERS);
    if (items.isEmpty()) {
      // A pod of its sandbox alone, as CRI's RunPodSandbox makes before any container: it holds
      // the pod's namespaces, and it is what the benchmarks time as "pod ready".
      spec.beyondKubernetes("containers",
          "required: at least one container (--lenient runs the pod's sandbox alone)",
          "no containers: the pod is its sandbox alone");
    }
    int total = initItems.size() + items.size();
    if (total > MAX_CONTAINERS) {
      throw invalid(
          spec.path("containers"),
          "at most " + MAX_CONTAINERS + " containers and initContainers together, has " + total);
    }
    Set<String> containerNames = new HashSet<>();
    List<Container> initContainers = readContainers(initItems, containerReader, containerNames, true);
    List<Container> containers = readContainers(items, containerReader, containerNames, false);

    RestartPolicy restartPolicy =
        spec.oneOf("restartPolicy", "Always", "OnFailure", "Never")
            .map(RestartPolicy::valueOf)
            .orElse(RestartPolicy.Always);
    long grace =
        spec.integer("terminationGracePeriodSeconds", 0, MAX_GRACE_PERIOD_SECONDS)
            .orElse(PodSpec.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
    boolean shareProcessNamespace = spec.bool("shareProcessNamespace").orElse(false);
    Optional<String> hostname =
        spec.string("hostname").map(h -> KubernetesNames.dns1123Label(spec.path("hostname"), h));
    PodSecurityContext securityContext =
        spec.object("securityContext", POD_SECURITY_CONTEXT)
            .map(PodSpecReader::podSecurityContext)
            .orElse(PodSecurityContext.EMPTY);
    PodDns dns = PodDnsReader.read(spec);
    spec.string("schedulerName");
    spec.bool("enableServiceLinks");
    boolean hostNetwork = spec.bool("hostNetwork").orElse(false);
    if (hostNetwork) {
      // As Kubernetes validates it: in the node's namespace a port is the node's port.
      for (Container c : containers) {
        for (ContainerPort p : c.ports()) {
          if (p.hostPort() != 0 && p.hostPort() != p.containerPort()) {
            throw invalid(spec.path("containers"), "container " + quote(c.name()) + ": hostPort " + p.hostPort()
                + " must equal containerPort " + p.containerPort() + " when hostNetwork is true");
          }
        }
      }
    }
    List<String> pullSecrets = new ArrayList<>();
    for (ManifestObject ref : spec.objects("imagePullSecrets", LOCAL_OBJECT_REFERENCE, MAX_PULL_SECRETS)) {
      pullSecrets.add(KubernetesNames.dns1123Subdomain(ref.path("name"), ref.requiredString("name")));
    }
    return new PodSpec(initContainers, containers, volumes, restartPolicy, grace, shareProcessNamespace, hostname,
        securityContext, dns, pullSecrets, hostNetwork);
  }

  private static List<Container> readContainers(
      List<ManifestObject> items, ContainerReader reader, Set<String> namesSoFar, boolean init) {
    List<Container> containers = new ArrayList<>();
    for (ManifestObject item : items) {
      Container container = reader.read(item, init);
      if (!namesSoFar.add(container.name())) {
        throw invalid(item.path("name"), "duplicate container name " + quote(container.name()));
      }
      containers.add(container);
    }
    return containers;
  }

  private static List<Volume> volumes(ManifestObject spec) {
    List<Volume> volumes = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ManifestObject v : spec.objects("volumes", VOLUME, MAX_VOLUMES)) {
      String name = KubernetesNames.dns1123Label(v.path("name"), v.requiredString("name"));
      if (!names.add(name)) {
        throw invalid(v.path("name"), "duplicate volume name " + quote(name));
      }
      Optional<Volume.Source> hostPath = v.object("hostPath", HOST_PATH).map(PodSpecReader::hostPath);
      Optional<Volume.Source> emptyDir = v.object("emptyDir", EMPTY_DIR).map(PodSpecReader::emptyDir);
      if (hostPath.isPresent() == emptyDir.isPresent()) {
        throw invalid(v.path(), "must have exactly one source: hostPath or emptyDir");
      }
      volumes.add(new Volume(name, hostPath.or(() -> emptyDir).orElseThrow()));
    }
    return volumes;
  }

  private static Volume.Source hostPath(ManifestObject h) {
    String path = ManifestPaths.absolute(h.path("path"), h.requiredString("path"));
    Optional<String> typeName = h.string("type");
    Volume.HostPathType type = Volume.HostPathType.Unset;
    if (typeName.isPresent()) {
      type =
          List.of(Volume.HostPathType.values()).stream()
              .filter(t -> t.manifestName().equals(typeName.get()))
              .findFirst()
              .orElseThrow(
                  () ->
                      invalid(
                          h.path("type"),
                          "must be one of DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice,"
                              + " BlockDevice or \"\"; is " + quote(typeName.get())));
    }
    return new Volume.HostPath(path, type);
  }

  private static Volume.Source emptyDir(ManifestObject e) {
    Optional<String> medium = e.string("medium");
    if (medium.isPresent() && !medium.get().equals("Memory")) {
      throw invalid(e.path("medium"), "must be \"\" (disk) or \"Memory\"; is " + quote(medium.get()));
    }
    boolean memory = medium.isPresent();
    Optional<Long> sizeLimit = Optional.empty();
    Optional<Quantity> limit = e.quantity("sizeLimit");
    if (limit.isPresent()) {
      if (limit.get().signum() < 0) {
        throw invalid(e.path("sizeLimit"), "must not be negative, is " + quote(limit.get().original()));
      }
      long bytes;
      try {
        bytes = limit.get().value();
      } catch (ArithmeticException tooLarge) {
        throw invalid(e.path("sizeLimit"), quote(limit.get().original()) + " is too large");
      }
      // Zero is no limit, as kubelet reads it (a tmpfs of size 0 is unlimited too).
      sizeLimit = bytes == 0 ? Optional.empty() : Optional.of(bytes);
    }
    return new Volume.EmptyDir(memory, sizeLimit);
  }

  private static PodSecurityContext podSecurityContext(ManifestObject s) {
    return new PodSecurityContext(
        s.integer("runAsUser", 0, ContainerReader.MAX_ID),
        s.integer("runAsGroup", 0, ContainerReader.MAX_ID),
        s.bool("runAsNonRoot"),
        s.integers("supplementalGroups", 0, ContainerReader.MAX_ID),
        SeccompProfileReader.read(s));
  }
}
