package dev.sandboxd.daemon;

import static dev.sandboxd.daemon.SettingCheck.ABSOLUTE_PATH;
import static dev.sandboxd.daemon.SettingCheck.ABSOLUTE_PATHS;
import static dev.sandboxd.daemon.SettingCheck.ABSOLUTE_PATH_OR_EMPTY;
import static dev.sandboxd.daemon.SettingCheck.CGROUP_PATH;
import static dev.sandboxd.daemon.SettingCheck.CONTAINERD_NAMESPACE;
import static dev.sandboxd.daemon.SettingCheck.DNS_DOMAIN_OR_EMPTY;
import static dev.sandboxd.daemon.SettingCheck.GROUP_NAME_OR_EMPTY;
import static dev.sandboxd.daemon.SettingCheck.HOST_PORT_OR_EMPTY;
import static dev.sandboxd.daemon.SettingCheck.IP_LIST_OR_EMPTY;
import static dev.sandboxd.daemon.SettingCheck.LIMIT_OR_NONE;
import static dev.sandboxd.daemon.SettingCheck.QUANTITY;

import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.containerlog.LogRotation;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.network.NetworkMode;
import dev.sandboxd.pod.Quantity;
import dev.sandboxd.podfiles.ClusterDns;
import dev.sandboxd.podsecurity.PodSecurityLevel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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

    @Setting(help = "comma-separated IPs of the cluster's DNS servers, the nameservers of dnsPolicy ClusterFirst pods; "
        + "\"\": none (those pods fall back to Default, with a MissingClusterDNS warning event)", defaultValue = "",
        label = "IPS", check = IP_LIST_OR_EMPTY)
    String clusterDns,

    @Setting(help = "the cluster's DNS domain: ClusterFirst pods search <namespace>.svc.<domain>, svc.<domain> and "
        + "<domain>; a pod with a subdomain is <hostname>.<subdomain>.<namespace>.svc.<domain>", defaultValue = "cluster.local",
        label = "DOMAIN", check = DNS_DOMAIN_OR_EMPTY)
    String clusterDomain,

    @Setting(help = "the resolver configuration pods of dnsPolicy Default start from, as kubelet's flag "
        + "(on a systemd-resolved node, /run/systemd/resolve/resolv.conf); \"\": none (127.0.0.1)",
        defaultValue = "/etc/resolv.conf", label = "FILE", check = ABSOLUTE_PATH_OR_EMPTY)
    String resolvConf,

    @Setting(help = "Docker config.json-style file of registry logins (auths: auth, username/password, "
        + "identitytoken), read at every pull; must be mode 0600; \"\": none", defaultValue = "", label = "FILE",
        check = ABSOLUTE_PATH_OR_EMPTY)
    String registryConfig,

    @Setting(help = "directory of config.json-style files named after the imagePullSecrets pods name; \"\": none",
        defaultValue = "", label = "DIR", check = ABSOLUTE_PATH_OR_EMPTY)
    String imagePullSecretsDir,

    @Setting(help = "CA certificate (PEM) trusted for every registry, besides the system's; \"\": none",
        defaultValue = "", label = "FILE", check = ABSOLUTE_PATH_OR_EMPTY)
    String registryCa,

    @Setting(help = "containerd's hosts.toml directory (config_path) for registries; replaces --registry-ca and "
        + "--registry-insecure; \"\": none", defaultValue = "", label = "DIR", check = ABSOLUTE_PATH_OR_EMPTY)
    String registryHostsDir,

    @Setting(help = "registry hosts (host:port, comma-separated) reached over plain HTTP", defaultValue = "",
        label = "HOSTS")
    String registryInsecure,

    @Setting(help = "first image pull back-off after a failed pull", defaultValue = "10s")
    Duration imagePullBackoff,

    @Setting(help = "longest image pull back-off", defaultValue = "300s")
    Duration imagePullBackoffMax,

    @Setting(help = "pod network: cni (an IP per pod from the CNI plugins) or none (loopback only)", defaultValue = "cni")
    NetworkMode network,

    @Setting(help = "CNI network configs: the first .conflist/.conf/.json in lexical order is the pod network; "
        + "none there: sandboxd's default (bridge sandboxd0, 10.89.0.0/16, portmap)", defaultValue = "/etc/sandboxd/net.d",
        label = "DIR", check = ABSOLUTE_PATH)
    String cniConfDir,

    @Setting(help = "directories of the CNI plugin binaries, colon-separated, searched in order",
        defaultValue = "/usr/lib/cni:/opt/cni/bin", label = "DIRS", check = ABSOLUTE_PATHS)
    String cniBinDir,

    @Setting(help = "CNI result cache (results/) and the default network's IP reservations (networks/); "
        + "\"\": <root>/cni", defaultValue = "", label = "DIR", check = ABSOLUTE_PATH_OR_EMPTY)
    String cniCacheDir,

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
    if (imagePullBackoff.compareTo(imagePullBackoffMax) > 0) {
      throw SandboxdException.invalidArgument("image-pull-backoff: %d ms is longer than image-pull-backoff-max %d ms",
          imagePullBackoff.toMillis(), imagePullBackoffMax.toMillis());
    }
  }

  /** --registry-insecure as a list of hosts. */
  public List<String> registryInsecureHosts() {
    return Arrays.stream(registryInsecure.split(",")).map(String::trim).filter(h -> !h.isEmpty()).toList();
  }

  /** --cluster-dns and --cluster-domain. */
  public ClusterDns clusterDnsConfig() {
    return new ClusterDns(SettingCheck.ipList(clusterDns), clusterDomain);
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
