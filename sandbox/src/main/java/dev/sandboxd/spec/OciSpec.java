package dev.sandboxd.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The subset of an OCI runtime spec (config.json) that sandboxd sets. Field names and nesting
 * are the runtime-spec's JSON; absent, empty and "" values are left out of the JSON like Go's
 * omitempty does, so runc sees the same document containerd would hand it.
 *
 * <p>Left out on purpose: rlimits (CRI clears containerd's defaults, the process inherits the
 * shim's), inheritable and ambient capabilities (CRI leaves them empty), linux.devices (runc
 * creates the standard nodes itself), and of the resources pids, blkio and rdma (the pod's
 * cgroup holds the pids limit) and network priorities.
 *
 * @param hostname "" leaves the hostname alone: containers joining the pause UTS namespace keep
 *     the name the pause spec gave it
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"ociVersion", "process", "root", "hostname", "mounts", "annotations", "linux"})
public record OciSpec(
    @JsonProperty("ociVersion") String ociVersion,
    @JsonProperty("process") Process process,
    @JsonProperty("root") Root root,
    @JsonProperty("hostname") String hostname,
    @JsonProperty("mounts") List<Mount> mounts,
    @JsonProperty("annotations") Map<String, String> annotations,
    @JsonProperty("linux") Linux linux) {

  public static final String VERSION = "1.1.0";

  /** The type URL containerd expects on the protobuf Any that carries the spec's JSON. */
  public static final String TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

  // An ObjectWriter is immutable and thread-safe; map keys sorted so equal specs give equal bytes.
  private static final ObjectWriter JSON =
      new ObjectMapper().writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  public OciSpec {
    Objects.requireNonNull(ociVersion, "ociVersion");
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(linux, "linux");
    mounts = List.copyOf(mounts);
    annotations = Map.copyOf(annotations);
  }

  /** The spec as config.json bytes (UTF-8), fields in runtime-spec order. */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      // Only plain records of strings, numbers and lists: failing here is a bug.
      throw new IllegalStateException("cannot serialise OCI spec", e);
    }
  }

  /**
   * @param capabilities always written, also with no capability at all ({}): without the object
   *     runc would leave the process its own capabilities
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"terminal", "user", "args", "env", "cwd", "capabilities", "noNewPrivileges", "oomScoreAdj"})
  public record Process(
      @JsonProperty("terminal") boolean terminal,
      @JsonProperty("user") User user,
      @JsonProperty("args") List<String> args,
      @JsonProperty("env") List<String> env,
      @JsonProperty("cwd") String cwd,
      @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("capabilities") Capabilities capabilities,
      @JsonProperty("noNewPrivileges") boolean noNewPrivileges,
      @JsonProperty("oomScoreAdj") int oomScoreAdj) {

    public Process {
      Objects.requireNonNull(user, "user");
      args = List.copyOf(args);
      env = List.copyOf(env);
      Objects.requireNonNull(cwd, "cwd");
      Objects.requireNonNull(capabilities, "capabilities");
    }
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"uid", "gid", "additionalGids"})
  public record User(
      @JsonProperty("uid") long uid,
      @JsonProperty("gid") long gid,
      @JsonProperty("additionalGids") List<Long> additionalGids) {

    public User {
      additionalGids = List.copyOf(additionalGids);
    }
  }

  /** Capability names with the CAP_ prefix, as runc wants them. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"bounding", "effective", "permitted"})
  public record Capabilities(
      @JsonProperty("bounding") List<String> bounding,
      @JsonProperty("effective") List<String> effective,
      @JsonProperty("permitted") List<String> permitted) {

    public Capabilities {
      bounding = List.copyOf(bounding);
      effective = List.copyOf(effective);
      permitted = List.copyOf(permitted);
    }

    /** The same set in bounding, effective and permitted, as containerd sets it. */
    public static Capabilities of(List<String> caps) {
      return new Capabilities(caps, caps, caps);
    }
  }

  @JsonPropertyOrder({"path", "readonly"})
  public record Root(@JsonProperty("path") String path, @JsonProperty("readonly") boolean readonly) {

    public Root {
      Objects.requireNonNull(path, "path");
    }
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"destination", "type", "source", "options"})
  public record Mount(
      @JsonProperty("destination") String destination,
      @JsonProperty("type") String type,
      @JsonProperty("source") String source,
      @JsonProperty("options") List<String> options) {

    public Mount {
      Objects.requireNonNull(destination, "destination");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(source, "source");
      options = List.copyOf(options);
    }
  }

  /** @param seccomp null for no seccomp filter (Unconfined, privileged) */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"namespaces", "cgroupsPath", "resources", "maskedPaths", "readonlyPaths", "seccomp", "sysctl"})
  public record Linux(
      @JsonProperty("namespaces") List<Namespace> namespaces,
      @JsonProperty("cgroupsPath") String cgroupsPath,
      @JsonProperty("resources") Resources resources,
      @JsonProperty("maskedPaths") List<String> maskedPaths,
      @JsonProperty("readonlyPaths") List<String> readonlyPaths,
      @JsonProperty("seccomp") Seccomp seccomp,
      @JsonProperty("sysctl") Map<String, String> sysctl) {

    public Linux(List<Namespace> namespaces, String cgroupsPath, Resources resources, List<String> maskedPaths,
        List<String> readonlyPaths, Seccomp seccomp) {
      this(namespaces, cgroupsPath, resources, maskedPaths, readonlyPaths, seccomp, Map.of());
    }

    public Linux {
      sysctl = Collections.unmodifiableMap(new TreeMap<>(sysctl)); // sorted: the same spec, the same bytes
      namespaces = List.copyOf(namespaces);
      Objects.requireNonNull(cgroupsPath, "cgroupsPath");
      Objects.requireNonNull(resources, "resources");
      maskedPaths = List.copyOf(maskedPaths);
      readonlyPaths = List.copyOf(readonlyPaths);
    }

    /** The entry of that type, if the spec lists one. */
    public Optional<Namespace> namespace(NamespaceType type) {
      return namespaces.stream().filter(n -> n.type() == type).findFirst();
    }
  }

  /** A namespace to create (path "") or to join (path of an existing one, e.g. /proc/42/ns/net). */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"type", "path"})
  public record Namespace(@JsonProperty("type") NamespaceType type, @JsonProperty("path") String path) {

    public Namespace {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(path, "path");
    }

    public static Namespace create(NamespaceType type) {
      return new Namespace(type, "");
    }

    public static Namespace join(NamespaceType type, String path) {
      return new Namespace(type, path);
    }
  }

  public enum NamespaceType {
    PID("pid"),
    NETWORK("network"),
    MOUNT("mount"),
    IPC("ipc"),
    UTS("uts"),
    CGROUP("cgroup");

    private final String specName;

    NamespaceType(String specName) {
      this.specName = specName;
    }

    @JsonValue
    public String specName() {
      return specName;
    }
  }

  /**
   * @param memory null for no memory limit
   * @param cpu null for the kernel's defaults
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"devices", "memory", "cpu", "hugepageLimits"})
  public record Resources(
      @JsonProperty("devices") List<DeviceRule> devices,
      @JsonProperty("memory") Memory memory,
      @JsonProperty("cpu") Cpu cpu,
      @JsonProperty("hugepageLimits") List<HugepageLimit> hugepageLimits) {

    public Resources {
      devices = List.copyOf(devices);
      hugepageLimits = List.copyOf(hugepageLimits);
    }

    /** Device rules only: the kernel's defaults for everything else. */
    public static Resources devicesOnly(List<DeviceRule> devices) {
      return new Resources(devices, null, null, List.of());
    }
  }

  /** runc writes limit to memory.max and swap minus limit to memory.swap.max. */
  @JsonPropertyOrder({"limit", "swap"})
  public record Memory(@JsonProperty("limit") long limit, @JsonProperty("swap") long swap) {}

  /**
   * runc writes shares as cpu.weight (kubelet's conversion) and quota/period as cpu.max; null
   * leaves the value alone.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"shares", "quota", "period"})
  public record Cpu(@JsonProperty("shares") Long shares, @JsonProperty("quota") Long quota, @JsonProperty("period") Long period) {}

  /** @param pageSize as runc names it in hugetlb.&lt;size&gt;.max, e.g. "2MB" */
  @JsonPropertyOrder({"pageSize", "limit"})
  public record HugepageLimit(@JsonProperty("pageSize") String pageSize, @JsonProperty("limit") long limit) {

    public HugepageLimit {
      Objects.requireNonNull(pageSize, "pageSize");
    }
  }

  /** A device cgroup rule for every device (no type, major or minor): allow or deny access. */
  @JsonPropertyOrder({"allow", "access"})
  public record DeviceRule(@JsonProperty("allow") boolean allow, @JsonProperty("access") String access) {

    public DeviceRule {
      Objects.requireNonNull(access, "access");
    }
  }

  /**
   * linux.seccomp. runc 1.1.5 (the runtime here) takes every field below: errnoRet since 1.0,
   * defaultErrnoRet since 1.1; syscall names its libseccomp does not know are skipped. flags
   * are left out: nothing sandboxd builds needs them.
   *
   * @param defaultErrnoRet null for EPERM, the kernel's answer runc gives by default
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"defaultAction", "defaultErrnoRet", "architectures", "syscalls"})
  public record Seccomp(
      @JsonProperty("defaultAction") String defaultAction,
      @JsonProperty("defaultErrnoRet") Integer defaultErrnoRet,
      @JsonProperty("architectures") List<String> architectures,
      @JsonProperty("syscalls") List<Syscall> syscalls) {

    public Seccomp {
      Objects.requireNonNull(defaultAction, "defaultAction");
      architectures = architectures == null ? List.of() : List.copyOf(architectures);
      syscalls = syscalls == null ? List.of() : List.copyOf(syscalls);
    }
  }

  /** @param errnoRet null for the default errno (EPERM) of SCMP_ACT_ERRNO */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"names", "action", "errnoRet", "args"})
  public record Syscall(
      @JsonProperty("names") List<String> names,
      @JsonProperty("action") String action,
      @JsonProperty("errnoRet") Integer errnoRet,
      @JsonProperty("args") List<SyscallArg> args) {

    public Syscall {
      names = List.copyOf(names);
      Objects.requireNonNull(action, "action");
      args = args == null ? List.of() : List.copyOf(args);
    }
  }

  /** A condition on argument index: e.g. op SCMP_CMP_MASKED_EQ holds when (arg &amp; value) == valueTwo. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  @JsonPropertyOrder({"index", "value", "valueTwo", "op"})
  public record SyscallArg(
      @JsonProperty("index") int index,
      @JsonProperty("value") long value,
      @JsonProperty("valueTwo") long valueTwo,
      @JsonProperty("op") String op) {

    public SyscallArg {
      Objects.requireNonNull(op, "op");
    }
  }
}
