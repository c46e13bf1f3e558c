package dev.sandboxd.daemon;

import dev.sandboxd.metrics.MetricsServer;
import dev.sandboxd.pod.IpLiterals;
import dev.sandboxd.pod.Quantity;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks of a setting's parsed value beyond its type, named by {@link Setting#check()}. Each
 * returns the problem, to be put after the setting's name and value.
 */
enum SettingCheck {
  NONE(value -> Optional.empty()),
  ABSOLUTE_PATH(value -> absolute((String) value)),
  /** Colon-separated absolute paths, at least one. */
  ABSOLUTE_PATHS(value -> ((String) value).isEmpty()
      ? Optional.of("must name at least one directory")
      : java.util.Arrays.stream(((String) value).split(":", -1)).map(SettingCheck::absolute)
          .flatMap(Optional::stream).findFirst()),
  /** An absolute path, or "" for none. */
  ABSOLUTE_PATH_OR_EMPTY(value -> ((String) value).isEmpty() ? Optional.empty() : absolute((String) value)),
  /** A cgroup2 path: absolute, and not climbing out of its parent. */
  CGROUP_PATH(value -> absolute((String) value)
      .or(() -> ((String) value).contains("..") ? Optional.of("must not contain \"..\"") : Optional.empty())),
  /** containerd's rule for namespace names. */
  CONTAINERD_NAMESPACE(value -> ((String) value).matches("[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,74}[a-zA-Z0-9])?")
      ? Optional.empty()
      : Optional.of("is not a valid containerd namespace")),
  /** A limit where -1 and 0 mean none. */
  LIMIT_OR_NONE(value -> (Long) value >= -1 ? Optional.empty() : Optional.of("must be -1 or 0 (no limit) or positive")),
  /** A group name as useradd allows it, or "" for none. */
  GROUP_NAME_OR_EMPTY(value -> ((String) value).isEmpty() || ((String) value).matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")
      ? Optional.empty()
      : Optional.of("is not a group name")),
  /** A positive size as a Kubernetes quantity, such as 10Mi or 500Ki. */
  QUANTITY(value -> {
    try {
      return Quantity.parse((String) value).value() > 0 ? Optional.empty() : Optional.of("must be positive");
    } catch (RuntimeException e) {
      return Optional.of("is not a size such as 10Mi or 500Ki (" + e.getMessage() + ")");
    }
  }),
  /** Comma-separated IP addresses, as kubelet's --cluster-dns, or "" for none. */
  IP_LIST_OR_EMPTY(value -> ipList((String) value).stream()
      .filter(ip -> !IpLiterals.isValid(ip))
      .findFirst()
      .map(ip -> "\"" + ip + "\" is not an IP address (want e.g. 10.96.0.10,fd00::a)")),
  /** A DNS domain (DNS-1123 subdomain) such as cluster.local, or "" for none. */
  DNS_DOMAIN_OR_EMPTY(value -> ((String) value).isEmpty() || (((String) value).length() <= 253
      && ((String) value).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"))
      ? Optional.empty()
      : Optional.of("is not a DNS domain such as cluster.local")),
  /** host:port, or "" for off. */
  HOST_PORT_OR_EMPTY(value -> {
    if (((String) value).isEmpty()) {
      return Optional.empty();
    }
    try {
      MetricsServer.parseAddress((String) value);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage() + " (want host:port, or \"\" for none)");
    }
  });

  private final Function<Object, Optional<String>> problem;

  SettingCheck(Function<Object, Optional<String>> problem) {
    this.problem = problem;
  }

  /** The addresses of a comma-separated list setting; "" is none. */
  static List<String> ipList(String value) {
    return value.isEmpty() ? List.of() : List.of(value.split(",", -1));
  }

  Optional<String> problem(Object value) {
    return problem.apply(value);
  }

  private static Optional<String> absolute(String value) {
    return !value.isEmpty() && Path.of(value).isAbsolute() ? Optional.empty() : Optional.of("must be an absolute path");
  }
}
