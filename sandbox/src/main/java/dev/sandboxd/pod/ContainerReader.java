package dev.sandboxd.pod;

import static dev.sandboxd.pod.ManifestObject.invalid;
import static dev.sandboxd.pod.ManifestObject.quote;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads one entry of spec.containers or spec.initContainers. */
final class ContainerReader {

  static final int MAX_ENV = 1024;
  static final long MAX_ID = Integer.MAX_VALUE;

  // terminationMessage* are checked, then dropped: they only inform.
  static final FieldSet CONTAINER =
      FieldSet.of(
          "name", "image", "command", "args", "env", "workingDir", "volumeMounts", "securityContext",
          "ports", "imagePullPolicy", "terminationMessagePath", "terminationMessagePolicy",
          "restartPolicy", "lifecycle", "startupProbe", "livenessProbe", "readinessProbe", "resources");
  private static final FieldSet LIFECYCLE = FieldSet.of("preStop");
  private static final FieldSet HANDLER = FieldSet.of("exec");
  private static final FieldSet EXEC = FieldSet.of("command");
  private static final FieldSet PROBE =
      FieldSet.of(
          "exec", "httpGet", "tcpSocket", "initialDelaySeconds", "periodSeconds", "timeoutSeconds",
          "successThreshold", "failureThreshold");
  private static final FieldSet HTTP_GET = FieldSet.of("path", "port", "scheme", "httpHeaders");
  private static final FieldSet HTTP_HEADER = FieldSet.of("name", "value");
  private static final Pattern HTTP_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final FieldSet TCP_SOCKET = FieldSet.of("port");
  private static final FieldSet ENV_VAR =
      FieldSet.of("name", "value")
          .refusing("valueFrom", "valueFrom is not supported; give the value inline");
  private static final FieldSet VOLUME_MOUNT =
      FieldSet.of("name", "mountPath", "readOnly", "subPath")
          .refusing("subPathExpr", "subPathExpr is not supported; use subPath");
  private static final FieldSet SECURITY_CONTEXT =
      FieldSet.of(
          "runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem", "privileged",
          "allowPrivilegeEscalation", "capabilities", "seccompProfile");
  private static final FieldSet CAPABILITIES = FieldSet.of("add", "drop");
  private static final FieldSet RESOURCES =
      FieldSet.of("requests", "limits")
          .refusing("claims", "resource claims (dynamic resource allocation) are not supported");
  /** The resources sandboxd maps onto cgroup controllers; others cannot be enforced here. */
  private static final Set<String> SUPPORTED_RESOURCES =
      Set.of(ResourceRequirements.CPU, ResourceRequirements.MEMORY, ResourceRequirements.HUGEPAGES_2MI);
  private static final FieldSet PORT = FieldSet.of("name", "containerPort", "protocol", "hostPort", "hostIP");

  private final Set<String> volumeNames;

  /** @param volumeNames the pod's volumes, which mounts must name */
  ContainerReader(Set<String> volumeNames) {
    this.volumeNames = Set.copyOf(volumeNames);
  }

  /** @param init whether c is an init container (only those may have a restartPolicy) */
  Container read(ManifestObject c, boolean init) {
    String name = KubernetesNames.dns1123Label(c.path("name"), c.requiredString("name"));
    String image = c.requiredString("image");
    if (image.chars().anyMatch(Character::isWhitespace)) {
      throw invalid(c.path("image"), quote(image) + " must not contain whitespace");
    }
    List<String> command = c.strings("command");
    List<String> args = c.strings("args");
    List<EnvVar> env = new ArrayList<>();
    for (ManifestObject e : c.objects("env", ENV_VAR, MAX_ENV)) {
      String envName = KubernetesNames.envVarName(e.path("name"), e.requiredString("name"));
      env.add(new EnvVar(envName, e.string("value").orElse("")));
    }
    Optional<String> workingDir = c.string("workingDir");
    if (workingDir.isPresent() && !workingDir.get().startsWith("/")) {
      throw invalid(c.path("workingDir"), quote(workingDir.get()) + " must be an absolute path");
    }
    List<VolumeMount> mounts = volumeMounts(c);
    SecurityContext securityContext =
        c.object("securityContext", SECURITY_CONTEXT)
            .map(ContainerReader::securityContext)
            .orElse(SecurityContext.EMPTY);
    ResourceRequirements resources =
        c.object("resources", RESOURCES).map(ContainerReader::resources).orElse(ResourceRequirements.NONE);
    List<ContainerPort> ports = ports(c);
    Map<String, Integer> named = new java.util.HashMap<>();
    ports.forEach(p -> p.name().ifPresent(n -> named.put(n, p.containerPort())));
    ImagePullPolicy pullPolicy = c.oneOf("imagePullPolicy", "Always", "IfNotPresent", "Never")
        .map(ImagePullPolicy::valueOf)
        .orElse(ImagePullPolicy.defaultFor(image));
    return new Container(name, image, command, args, env, workingDir, mounts, securityContext, resources,
        supervision(c, init, named), pullPolicy, ports);
  }

  private static Supervision supervision(ManifestObject c, boolean init, Map<String, Integer> ports) {
    Optional<RestartPolicy> restartPolicy = c.oneOf("restartPolicy", "Always").map(RestartPolicy::valueOf);
    if (restartPolicy.isPresent() && !init) {
      throw invalid(c.path("restartPolicy"), "only init containers may set a restartPolicy (Always makes a sidecar)");
    }
    List<String> preStop = c.object("lifecycle", LIFECYCLE)
        .flatMap(l -> l.object("preStop", HANDLER))
        .map(h -> execCommand(h.object("exec", EXEC).orElseThrow(() -> invalid(h.path("exec"), "required: preStop supports exec"))))
        .orElse(List.of());
    Optional<Probe> startup = probe(c, "startupProbe", ports, true);
    Optional<Probe> liveness = probe(c, "livenessProbe", ports, true);
    Optional<Probe> readiness = probe(c, "readinessProbe", ports, false);
    if (init && restartPolicy.isEmpty() && (startup.isPresent() || liveness.isPresent() || readiness.isPresent())) {
      throw invalid(c.path(), "init containers that are not sidecars may not have probes");
    }
    return new Supervision(restartPolicy, preStop, startup, liveness, readiness);
  }

  private static List<String> execCommand(ManifestObject exec) {
    List<String> command = exec.strings("command");
    if (command.isEmpty()) {
      throw invalid(exec.path("command"), "required: at least the program to run");
    }
    return command;
  }

  /** A probe with Kubernetes' defaults; liveness and startup probes need successThreshold 1. */
  private static Optional<Probe> probe(ManifestObject c, String field, Map<String, Integer> ports, boolean mustSucceedOnce) {
    Optional<ManifestObject> found = c.object(field, PROBE);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    ManifestObject p = found.get();
    List<Probe.Action> actions = new ArrayList<>();
    p.object("exec", EXEC).ifPresent(e -> actions.add(new Probe.Exec(execCommand(e))));
    p.object("httpGet", HTTP_GET).ifPresent(h -> {
      Map<String, String> headers = new java.util.LinkedHashMap<>();
      for (ManifestObject header : h.objects("httpHeaders", HTTP_HEADER, 64)) {
        String name = header.requiredString("name");
        String value = header.string("value").orElse("");
        // The probe writes the request by hand: nothing may end a header line early.
        if (!HTTP_TOKEN.matcher(name).matches()) {
          throw invalid(header.path("name"), quote(name) + " is not an HTTP header name");
        }
        if (value.chars().anyMatch(ch -> ch < 0x20 && ch != '\t' || ch == 0x7f)) {
          throw invalid(header.path("value"), "must not contain control characters");
        }
        headers.put(name, value);
      }
      String path = h.string("path").orElse("/");
      if (!path.startsWith("/")) {
        throw invalid(h.path("path"), quote(path) + " must start with /");
      }
      if (path.chars().anyMatch(ch -> ch <= 0x20 || ch == 0x7f)) {
        throw invalid(h.path("path"), quote(path) + " must not contain spaces or control characters");
      }
      String scheme = h.oneOf("scheme", "HTTP", "HTTPS").orElse("HTTP");
      actions.add(new Probe.HttpGet(scheme, port(h, ports), path, headers));
    });
    p.object("tcpSocket", TCP_SOCKET).ifPresent(t -> actions.add(new Probe.TcpSocket(port(t, ports))));
    if (actions.size() != 1) {
      throw invalid(p.path(), "must have exactly one of exec, httpGet, tcpSocket");
    }
    int successThreshold = (int) (long) p.integer("successThreshold", 1, Integer.MAX_VALUE).orElse((long) Probe.DEFAULT_SUCCESS_THRESHOLD);
    if (mustSucceedOnce && successThreshold != 1) {
      throw invalid(p.path("successThreshold"), "must be 1 for " + field);
    }
    return Optional.of(new Probe(
        actions.get(0),
        (int) (long) p.integer("initialDelaySeconds", 0, Integer.MAX_VALUE).orElse(0L),
        (int) (long) p.integer("periodSeconds", 1, Integer.MAX_VALUE).orElse((long) Probe.DEFAULT_PERIOD_SECONDS),
        (int) (long) p.integer("timeoutSeconds", 1, Integer.MAX_VALUE).orElse((long) Probe.DEFAULT_TIMEOUT_SECONDS),
        successThreshold,
        (int) (long) p.integer("failureThreshold", 1, Integer.MAX_VALUE).orElse((long) Probe.DEFAULT_FAILURE_THRESHOLD)));
  }

  /** A port number, or the name of one of the container's ports. */
  private static int port(ManifestObject action, Map<String, Integer> ports) {
    String port = action.intOrString("port").orElseThrow(() -> invalid(action.path("port"), "required"));
    if (port.chars().allMatch(Character::isDigit)) {
      long number = Long.parseLong(port.length() > 6 ? "0" : port);
      if (number < 1 || number > 65535) {
        throw invalid(action.path("port"), "must be between 1 and 65535");
      }
      return (int) number;
    }
    Integer named = ports.get(port);
    if (named == null) {
      throw invalid(action.path("port"), "no port named " + quote(port) + " in this container's ports");
    }
    return named;
  }

  private List<VolumeMount> volumeMounts(ManifestObject c) {
    List<VolumeMount> mounts = new ArrayList<>();
    Set<String> mountPaths = new HashSet<>();
    for (ManifestObject m : c.objects("volumeMounts", VOLUME_MOUNT, Integer.MAX_VALUE)) {
      String volume = m.requiredString("name");
      if (!volumeNames.contains(volume)) {
        throw invalid(m.path("name"), "unknown volume " + quote(volume) + " (not in spec.volumes)");
      }
      String mountPath = ManifestPaths.absolute(m.path("mountPath"), m.requiredString("mountPath"));
      if (!mountPaths.add(mountPath)) {
        throw invalid(m.path("mountPath"), "duplicate mount path " + quote(mountPath));
      }
      Optional<String> subPath =
          m.string("subPath")
              .map(p -> ManifestPaths.relativeDescending(m.path("subPath"), p))
              .filter(p -> !p.isEmpty());
      mounts.add(new VolumeMount(volume, mountPath, m.bool("readOnly").orElse(false), subPath));
    }
    return mounts;
  }

  private static SecurityContext securityContext(ManifestObject s) {
    Optional<Boolean> privileged = s.bool("privileged");
    Optional<Boolean> allowPrivilegeEscalation = s.bool("allowPrivilegeEscalation");
    Optional<ManifestObject> capabilities = s.object("capabilities", CAPABILITIES);
    List<String> add = capabilities.map(caps -> capabilityList(caps, "add")).orElse(List.of());
    List<String> drop = capabilities.map(caps -> capabilityList(caps, "drop")).orElse(List.of());
    // Kubernetes refuses these pairs: either side would grant what no_new_privs is meant to withhold.
    if (allowPrivilegeEscalation.equals(Optional.of(false))) {
      if (privileged.equals(Optional.of(true))) {
        throw invalid(s.path(), "cannot set allowPrivilegeEscalation to false and privileged to true");
      }
      if (add.contains("CAP_SYS_ADMIN") || add.contains(CapabilityNames.ALL)) {
        throw invalid(s.path(), "cannot set allowPrivilegeEscalation to false and add CAP_SYS_ADMIN");
      }
    }
    return new SecurityContext(
        s.integer("runAsUser", 0, MAX_ID),
        s.integer("runAsGroup", 0, MAX_ID),
        s.bool("runAsNonRoot"),
        s.bool("readOnlyRootFilesystem"),
        privileged,
        allowPrivilegeEscalation,
        add,
        drop,
        SeccompProfileReader.read(s));
  }

  /**
   * Kubernetes' validation and defaulting of resources: known names, no negative amounts,
   * amounts that fit the cgroup files, requests at most limits, hugepages requested exactly as
   * limited, and a limit without a request is also the request.
   */
  private static ResourceRequirements resources(ManifestObject r) {
    Map<String, Quantity> limits = supported(r, "limits");
    Map<String, Quantity> requests = supported(r, "requests");
    for (Map.Entry<String, Quantity> request : requests.entrySet()) {
      String resource = request.getKey();
      Quantity limit = limits.get(resource);
      if (limit == null) {
        continue;
      }
      String path = r.path("requests") + "[" + resource + "]";
      if (request.getValue().amount().compareTo(limit.amount()) > 0) {
        throw invalid(path, "must be less than or equal to the " + resource + " limit of " + limit.original());
      }
      if (resource.equals(ResourceRequirements.HUGEPAGES_2MI) && !request.getValue().equals(limit)) {
        throw invalid(path, "must equal the " + resource + " limit of " + limit.original());
      }
    }
    Map<String, Quantity> defaulted = new LinkedHashMap<>(limits);
    defaulted.putAll(requests);
    return new ResourceRequirements(defaulted, limits);
  }

  private static Map<String, Quantity> supported(ManifestObject r, String field) {
    Map<String, Quantity> out = new LinkedHashMap<>();
    for (Map.Entry<String, Quantity> e : r.quantityMap(field).entrySet()) {
      String path = r.path(field) + "[" + e.getKey() + "]";
      if (!SUPPORTED_RESOURCES.contains(e.getKey())) {
        r.unsupported(path, "resource " + quote(e.getKey()) + " cannot be enforced by sandboxd (supported: cpu, memory, hugepages-2Mi)");
        continue;
      }
      Quantity q = e.getValue();
      if (q.signum() < 0) {
        throw invalid(path, "must not be negative, is " + quote(q.original()));
      }
      try {
        // cgroup files take CPU in millicores (to quota and shares) and the rest in bytes.
        if (e.getKey().equals(ResourceRequirements.CPU)) {
          q.milliValue();
        } else {
          q.value();
        }
      } catch (ArithmeticException tooLarge) {
        throw invalid(path, quote(q.original()) + " is too large");
      }
      out.put(e.getKey(), q);
    }
    return out;
  }

  private static List<String> capabilityList(ManifestObject capabilities, String field) {
    Set<String> names = new LinkedHashSet<>();
    List<String> given = capabilities.strings(field);
    for (int i = 0; i < given.size(); i++) {
      names.add(CapabilityNames.normalise(capabilities.path(field) + "[" + i + "]", given.get(i)));
    }
    return List.copyOf(names);
  }

  /** The ports (probes may name them; hostPorts are forwarded), after checking the informational fields. */
  private static List<ContainerPort> ports(ManifestObject c) {
    List<ContainerPort> ports = new ArrayList<>();
    for (ManifestObject port : c.objects("ports", PORT, Integer.MAX_VALUE)) {
      long number = port.integer("containerPort", 1, 65535).orElseThrow(() -> invalid(port.path("containerPort"), "required"));
      Optional<String> name = port.string("name").map(n -> KubernetesNames.portName(port.path("name"), n));
      String protocol = port.oneOf("protocol", "TCP", "UDP", "SCTP").orElse("TCP");
      long hostPort = port.integer("hostPort", 0, 65535).orElse(0L);
      String hostIp = port.string("hostIP").map(ip -> hostIp(port, ip)).orElse("");
      if (!hostIp.isEmpty() && hostPort == 0) {
        throw invalid(port.path("hostIP"), "needs a hostPort");
      }
      ports.add(new ContainerPort(name, (int) number, (int) hostPort, protocol, hostIp));
    }
    c.string("terminationMessagePath");
    c.oneOf("terminationMessagePolicy", "File", "FallbackToLogsOnError");
    return ports;
  }

  /** An IPv4 or IPv6 literal, never a name (nothing may be looked up while reading a manifest). */
  private static String hostIp(ManifestObject port, String ip) {
    boolean v4 = ip.matches("(\\d{1,3}\\.){3}\\d{1,3}")
        && java.util.Arrays.stream(ip.split("\\.")).allMatch(o -> Integer.parseInt(o) <= 255);
    boolean v6 = ip.contains(":") && ip.matches("[0-9A-Fa-f:.]+");
    if (!v4 && !v6) {
      throw invalid(port.path("hostIP"), quote(ip) + " is not an IP address");
    }
    return ip;
  }
}
