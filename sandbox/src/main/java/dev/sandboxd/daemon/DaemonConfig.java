package dev.sandboxd.daemon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * sandboxd's settings. Precedence: flags over the config file over these defaults. The config
 * file is YAML with the same names in camelCase (containerdAddress, root, ...).
 */
public record DaemonConfig(
    String containerdAddress,
    String address,
    String root,
    String state,
    String namespace,
    String pauseImage,
    String cgroupParent,
    Long podPidsLimit,
    ResourcePolicy.MissingController cgroupMissing) {

  public static final DaemonConfig DEFAULTS = new DaemonConfig(
      "/run/containerd/containerd.sock",
      "/run/sandboxd/sandboxd.sock",
      "/var/lib/sandboxd",
      "/run/sandboxd",
      "sandboxd",
      "",
      "/sandboxd",
      0L,
      ResourcePolicy.MissingController.reject);

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
        pick(other.podPidsLimit, podPidsLimit),
        pick(other.cgroupMissing, cgroupMissing));
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
    if (podPidsLimit < -1) {
      throw SandboxdException.invalidArgument("pod-pids-limit: must be -1 or 0 (no limit) or positive, is %d", podPidsLimit);
    }
    if (cgroupParent.contains("..")) {
      throw SandboxdException.invalidArgument("cgroup-parent: must not contain \"..\"");
    }
    return this;
  }

  private static void requireAbsolute(String name, String value) {
    if (value.isEmpty() || !Path.of(value).isAbsolute()) {
      throw SandboxdException.invalidArgument("%s: must be an absolute path, not \"%s\"", name, value);
    }
  }
}
