package dev.sandboxd.daemon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.metrics.MetricsServer;
import dev.sandboxd.pod.Quantity;
import java.io.IOException;
import java.nio.file.Path;

/**
 * sandboxd's settings. Precedence: flags over the config file over these defaults. The config
 * file is YAML with the same names in camelCase (containerdAddress, root, ...). An empty
 * manifestDir means no static pods; an empty metricsAddress, no metrics endpoint.
 */
public record DaemonConfig(
    String containerdAddress,
    String address,
    String root,
    String state,
    String namespace,
    String pauseImage,
    String cgroupParent,
    String restartBackoff,
    String restartBackoffMax,
    String manifestDir,
    Long podPidsLimit,
    ResourcePolicy.MissingController cgroupMissing,
    String metricsAddress,
    String imageMaxUnpackedSize) {

  public static final DaemonConfig DEFAULTS = new DaemonConfig(
      "/run/containerd/containerd.sock",
      "/run/sandboxd/sandboxd.sock",
      "/var/lib/sandboxd",
      "/run/sandboxd",
      "sandboxd",
      "",
      "/sandboxd",
      "10s",
      "300s",
      "",
      0L,
      ResourcePolicy.MissingController.reject,
      "127.0.0.1:9450",
      "10Gi");

  /** Reads a config file; unknown keys are errors that name the key. */
  public static DaemonConfig read(Path file) {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    try {
      DaemonConfig fromFile = yaml.readValue(file.toFile(), DaemonConfig.class);
      return fromFile == null ? DEFAULTS : DEFAULTS.overriddenBy(fromFile);
    } catch (UnrecognizedPropertyException e) {
      throw SandboxdException.invalidArgument("%s: unknown setting \"%s\"", file, e.getPropertyName());
    } catch (IOException e) {
      throw SandboxdException.invalidArgument("%s: %s", file, e.getMessage());
    }
  }

  /** These settings with every non-null value of other put over them. */
  public DaemonConfig overriddenBy(DaemonConfig other) {
    return new DaemonConfig(
        pick(other.containerdAddress, containerdAddress),
        pick(other.address, address),
        pick(other.root, root),
        pick(other.state, state),
        pick(other.namespace, namespace),
        pick(other.pauseImage, pauseImage),
        pick(other.cgroupParent, cgroupParent),
        pick(other.restartBackoff, restartBackoff),
        pick(other.restartBackoffMax, restartBackoffMax),
        pick(other.manifestDir, manifestDir),
        pick(other.podPidsLimit, podPidsLimit),
        pick(other.cgroupMissing, cgroupMissing),
        pick(other.metricsAddress, metricsAddress),
        pick(other.imageMaxUnpackedSize, imageMaxUnpackedSize));
  }

  private static <T> T pick(T preferred, T fallback) {
    return preferred != null ? preferred : fallback;
  }

  /** Checks values that would otherwise fail late and obscurely. */
  public DaemonConfig validated() {
    requireAbsolute("containerd-address", containerdAddress);
    requireAbsolute("address", address);
    requireAbsolute("root", root);
    requireAbsolute("state", state);
    requireAbsolute("cgroup-parent", cgroupParent);
    if (!namespace.matches("[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,74}[a-zA-Z0-9])?")) {
      throw SandboxdException.invalidArgument("namespace: %s is not a valid containerd namespace", namespace);
    }
    if (restartBackoffInitialMillis() > restartBackoffMaxMillis()) {
      throw SandboxdException.invalidArgument("restart-backoff: %s is longer than restart-backoff-max %s", restartBackoff, restartBackoffMax);
    }
    if (podPidsLimit < -1) {
      throw SandboxdException.invalidArgument("pod-pids-limit: must be -1 or 0 (no limit) or positive, is %d", podPidsLimit);
    }
    if (cgroupParent.contains("..")) {
      throw SandboxdException.invalidArgument("cgroup-parent: must not contain \"..\"");
    }
    if (!manifestDir.isEmpty()) {
      requireAbsolute("manifest-dir", manifestDir);
    }
    if (!metricsAddress.isEmpty()) {
      try {
        MetricsServer.parseAddress(metricsAddress);
      } catch (IllegalArgumentException e) {
        throw SandboxdException.invalidArgument("metrics-address: %s (want host:port, or \"\" for none)", e.getMessage());
      }
    }
    imageMaxUnpackedBytes();
    return this;
  }

  /** Most bytes one image import may unpack (a Kubernetes quantity such as 10Gi). */
  public long imageMaxUnpackedBytes() {
    try {
      long bytes = Quantity.parse(imageMaxUnpackedSize).value();
      if (bytes > 0) {
        return bytes;
      }
    } catch (SandboxdException | IllegalArgumentException e) {
      // not a quantity: said below, naming the setting
    }
    throw SandboxdException.invalidArgument(
        "image-max-unpacked-size: \"%s\" is not a positive size such as 10Gi or 500Mi", imageMaxUnpackedSize);
  }

  public long restartBackoffInitialMillis() {
    return millis("restart-backoff", restartBackoff);
  }

  public long restartBackoffMaxMillis() {
    return millis("restart-backoff-max", restartBackoffMax);
  }

  /** "500ms", "10s", "5m": a positive duration. */
  static long millis(String name, String value) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m)").matcher(value);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw SandboxdException.invalidArgument("%s: \"%s\" is not a duration such as 500ms, 10s or 5m", name, value);
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return n;
      case "s":
        return n * 1000;
      default:
        return n * 60_000;
    }
  }

  private static void requireAbsolute(String name, String value) {
    if (value.isEmpty() || !Path.of(value).isAbsolute()) {
      throw SandboxdException.invalidArgument("%s: must be an absolute path, not \"%s\"", name, value);
    }
  }
}
