package dev.sandboxd.daemon;

import static dev.sandboxd.daemon.SettingCheck.ABSOLUTE_PATH;
import static dev.sandboxd.daemon.SettingCheck.ABSOLUTE_PATH_OR_EMPTY;
import static dev.sandboxd.daemon.SettingCheck.CGROUP_PATH;
import static dev.sandboxd.daemon.SettingCheck.CONTAINERD_NAMESPACE;
import static dev.sandboxd.daemon.SettingCheck.GROUP_NAME_OR_EMPTY;
import static dev.sandboxd.daemon.SettingCheck.HOST_PORT_OR_EMPTY;
import static dev.sandboxd.daemon.SettingCheck.LIMIT_OR_NONE;
import static dev.sandboxd.daemon.SettingCheck.QUANTITY;

import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.containerlog.LogRotation;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Quantity;
import dev.sandboxd.podsecurity.PodSecurityLevel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * sandboxd's settings, each declared once, here: the component's name is the config file's key
 * and, in kebab-case, the flag; {@link Setting} gives its help, default and check; its type how
 * it parses ({@link SettingTypes}). {@link DaemonSettings} makes the flags, reads the file and
 * builds this record (flags over the file over the defaults).
 */
public record DaemonConfig(
    @Setting(help = "containerd's socket", defaultValue = "/run/containerd/containerd.sock",
        label = "SOCK", check = ABSOLUTE_PATH)
    String containerdAddress,

    @Setting(help = "sandboxd's own API socket", defaultValue = "/run/sandboxd/sandboxd.sock",
        label = "SOCK", check = ABSOLUTE_PATH)
    String address,

    @Setting(help = "persistent data: pod volumes and logs", defaultValue = "/var/lib/sandboxd",
        label = "DIR", check = ABSOLUTE_PATH)
    String root,

    @Setting(help = "pod records", defaultValue = "/run/sandboxd", label = "DIR", check = ABSOLUTE_PATH)
    String state,

    @Setting(help = "containerd namespace for everything sandboxd creates", defaultValue = "sandboxd",
        label = "NS", check = CONTAINERD_NAMESPACE)
    String namespace,

    @Setting(help = "pause image reference (must be imported already); \"\": the one embedded in sandboxd",
        defaultValue = "", label = "REF")
    String pauseImage,

    @Setting(help = "cgroup2 path under which pod cgroups are made", defaultValue = "/sandboxd",
        label = "PATH", check = CGROUP_PATH)
    String cgroupParent,

    @Setting(help = "first container restart back-off, e.g. 10s or 500ms", defaultValue = "10s")
    Duration restartBackoff,

    @Setting(help = "longest container restart back-off", defaultValue = "300s")
    Duration restartBackoffMax,

    @Setting(help = "runs every pod manifest in this directory as a static pod; \"\": none", defaultValue = "",
        label = "DIR", check = ABSOLUTE_PATH_OR_EMPTY)
    String manifestDir,

    @Setting(help = "pids.max of every pod where the pids controller exists, so that one pod cannot use up the "
        + "node's pids (0 or -1: none); the pod annotation " + ResourcePolicy.PIDS_LIMIT_ANNOTATION + " overrides it",
        defaultValue = "4096", check = LIMIT_OR_NONE)
    long podPidsLimit,

    @Setting(help = "a pod asks for a limit whose cgroup controller is missing: reject it, "
        + "or warn (run it without the limit, saying so in its status)", defaultValue = "reject")
    ResourcePolicy.MissingController cgroupMissing,

    @Setting(help = "host:port of the Prometheus endpoint; \"\": none; port 0: any free port",
        defaultValue = "127.0.0.1:9450", label = "HOST:PORT", check = HOST_PORT_OR_EMPTY)
    String metricsAddress,

    @Setting(help = "most bytes one image import may unpack (a quantity); more fails the import, leaving nothing",
        defaultValue = "10Gi", label = "SIZE", check = QUANTITY)
    String imageMaxUnpackedSize,

    @Setting(help = "directory of Localhost seccomp profiles; \"\": none", defaultValue = "", label = "DIR",
        check = ABSOLUTE_PATH_OR_EMPTY)
    String seccompProfileRoot,

    @Setting(help = "Pod Security Standards level enforced on pods run through the API: privileged (no checks), "
        + "baseline or restricted", defaultValue = "privileged")
    PodSecurityLevel podSecurity,

    @Setting(help = "the Pod Security Standards level for static pods of --manifest-dir", defaultValue = "privileged")
    PodSecurityLevel manifestDirPodSecurity,

    @Setting(help = "group owning the API socket (mode 0660), e.g. sandboxd; \"\": root's", defaultValue = "",
        label = "GROUP", check = GROUP_NAME_OR_EMPTY)
    String socketGroup,

    @Setting(help = "a container run's log is rotated before it passes this size (a quantity, at least 64Ki), "
        + "as kubelet's flag of the same name", defaultValue = "10Mi", label = "SIZE", check = QUANTITY)
    String containerLogMaxSize,

    @Setting(help = "log files kept per container run, the live one included (at least 2)", defaultValue = "5")
    long containerLogMaxFiles,

    @Setting(help = "socket on which sandboxd serves containerd's sandbox controller API to containerd's proxy "
        + "plugin (CRI pods with a runtime handler whose sandboxer is sandboxd); \"\": not served",
        defaultValue = "", label = "SOCK", check = ABSOLUTE_PATH_OR_EMPTY)
    String sandboxerAddress,

    @Setting(help = "containerd's root directory (its --root): where its CRI looks for the pod files "
        + "(hostname, hosts, resolv.conf) sandboxd writes for CRI pods", defaultValue = "/var/lib/containerd",
        label = "DIR", check = ABSOLUTE_PATH)
    String containerdRoot,

    @Setting(help = "containerd's state directory (its --state): CRI pods' shm and their pause shim's bootstrap.json",
        defaultValue = "/run/containerd", label = "DIR", check = ABSOLUTE_PATH)
    String containerdState) {

  public static final DaemonConfig DEFAULTS = DaemonSettings.load(Optional.empty(), Map.of());

  /** Checks between settings; each setting's own value is checked where it is read. */
  public DaemonConfig {
    if (restartBackoff.compareTo(restartBackoffMax) > 0) {
      throw SandboxdException.invalidArgument("restart-backoff: %d ms is longer than restart-backoff-max %d ms",
          restartBackoff.toMillis(), restartBackoffMax.toMillis());
    }
    logRotation(containerLogMaxSize, containerLogMaxFiles);
  }

  /** Most bytes one image import may unpack. */
  public long imageMaxUnpackedBytes() {
    return Quantity.parse(imageMaxUnpackedSize).value();
  }

  /** How container logs rotate: containerLogMaxSize and containerLogMaxFiles. */
  public LogRotation logRotation() {
    return logRotation(containerLogMaxSize, containerLogMaxFiles);
  }

  private static LogRotation logRotation(String maxSize, long maxFiles) {
    return new LogRotation(Quantity.parse(maxSize).value(), (int) Math.min(maxFiles, Integer.MAX_VALUE));
  }
}
