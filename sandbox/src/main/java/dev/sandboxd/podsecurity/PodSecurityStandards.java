package dev.sandboxd.podsecurity;

import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.SeccompProfile;
import dev.sandboxd.pod.SecurityContext;
import dev.sandboxd.pod.Volume;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Kubernetes' Pod Security Standards (pod-security-admission's "latest" checks) for the fields
 * sandboxd's manifests have. hostPID/hostIPC, AppArmor, SELinux, procMount, sysctls
 * and the other volume sources are not checked because the manifest parser refuses them
 * already. Reasons and details are worded as Kubernetes words them, in the order of its check
 * ids, so a refusal reads like the API server's. A pure function of the pod.
 */
public final class PodSecurityStandards {

  /** The capabilities baseline allows adding: the runtime's usual defaults minus NET_RAW. */
  static final Set<String> BASELINE_CAPABILITIES = Set.of(
      "CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_MKNOD",
      "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT");

  /** One violated rule: Kubernetes' ForbiddenReason and ForbiddenDetail. */
  public record Violation(String reason, String detail) {
    @Override
    public String toString() {
      return reason + " (" + detail + ")";
    }
  }

  private PodSecurityStandards() {}

  /** Every rule of the level the pod violates; empty when it may run. */
  public static List<Violation> check(Pod pod, PodSecurityLevel level) {
    List<Violation> out = new ArrayList<>();
    if (level == PodSecurityLevel.privileged) {
      return out;
    }
    List<Container> containers = new ArrayList<>(pod.spec().initContainers());
    containers.addAll(pod.spec().containers());
    boolean restricted = level == PodSecurityLevel.restricted;
    if (restricted) {
      allowPrivilegeEscalation(containers).ifPresent(out::add);
      capabilitiesRestricted(containers).ifPresent(out::add);
      hostNamespaces(pod).ifPresent(out::add);
    } else {
      capabilitiesBaseline(containers).ifPresent(out::add);
      hostNamespaces(pod).ifPresent(out::add);
      hostPathVolumes(pod).ifPresent(out::add);
    }
    hostPorts(containers).ifPresent(out::add);
    privileged(containers).ifPresent(out::add);
    if (restricted) {
      restrictedVolumes(pod).ifPresent(out::add);
      runAsNonRoot(pod, containers).ifPresent(out::add);
      runAsUser(pod, containers).ifPresent(out::add);
      seccompRestricted(pod, containers).ifPresent(out::add);
    } else {
      explicitlyUnconfined(pod, containers).ifPresent(out::add);
    }
    return out;
  }

  /** Kubernetes' refusal: {@code violates PodSecurity "restricted:latest": reason (detail), ...}. */
  public static String message(PodSecurityLevel level, List<Violation> violations) {
    return "violates PodSecurity \"" + level + ":latest\": "
        + violations.stream().map(Violation::toString).collect(Collectors.joining(", "));
  }

  private static Optional<Violation> allowPrivilegeEscalation(List<Container> containers) {
    return forContainers(containers, c -> !c.securityContext().allowPrivilegeEscalation().equals(Optional.of(false)),
        "allowPrivilegeEscalation != false", "must set securityContext.allowPrivilegeEscalation=false");
  }

  private static Optional<Violation> capabilitiesBaseline(List<Container> containers) {
    Set<String> added = new TreeSet<>();
    List<String> bad = new ArrayList<>();
    for (Container c : containers) {
      List<String> extra = c.securityContext().capabilitiesAdd().stream()
          .filter(cap -> !BASELINE_CAPABILITIES.contains(cap)).toList();
      if (!extra.isEmpty()) {
        bad.add(c.name());
        extra.forEach(cap -> added.add(shortName(cap)));
      }
    }
    if (bad.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Violation("non-default capabilities",
        containersNamed(bad) + " must not include " + joinQuote(added) + " in securityContext.capabilities.add"));
  }

  private static Optional<Violation> capabilitiesRestricted(List<Container> containers) {
    List<String> missingDropAll = new ArrayList<>();
    List<String> adding = new ArrayList<>();
    Set<String> forbidden = new TreeSet<>();
    for (Container c : containers) {
      SecurityContext sc = c.securityContext();
      if (!sc.capabilitiesDrop().contains("ALL")) {
        missingDropAll.add(c.name());
      }
      List<String> extra = sc.capabilitiesAdd().stream().filter(cap -> !cap.equals("CAP_NET_BIND_SERVICE")).toList();
      if (!extra.isEmpty()) {
        adding.add(c.name());
        extra.forEach(cap -> forbidden.add(shortName(cap)));
      }
    }
    List<String> details = new ArrayList<>();
    if (!missingDropAll.isEmpty()) {
      details.add(containersNamed(missingDropAll) + " must set securityContext.capabilities.drop=[\"ALL\"]");
    }
    if (!adding.isEmpty()) {
      details.add(containersNamed(adding) + " must not include " + joinQuote(forbidden) + " in securityContext.capabilities.add");
    }
    return details.isEmpty() ? Optional.empty() : Optional.of(new Violation("unrestricted capabilities", String.join("; ", details)));
  }

  private static Optional<Violation> hostPathVolumes(Pod pod) {
    List<String> hostPaths = pod.spec().volumes().stream()
        .filter(v -> v.source() instanceof Volume.HostPath).map(Volume::name).toList();
    if (hostPaths.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Violation("hostPath volumes", plural("volume", hostPaths.size()) + " " + joinQuote(hostPaths)));
  }

  private static Optional<Violation> privileged(List<Container> containers) {
    return forContainers(containers, c -> c.securityContext().privileged().orElse(false),
        "privileged", "must not set securityContext.privileged=true");
  }

  /** Of the sources sandboxd supports only emptyDir is allowed; hostPath is the restricted one. */
  private static Optional<Violation> restrictedVolumes(Pod pod) {
    List<String> bad = pod.spec().volumes().stream()
        .filter(v -> !(v.source() instanceof Volume.EmptyDir)).map(Volume::name).toList();
    if (bad.isEmpty()) {
      return Optional.empty();
    }
    String detail = bad.size() == 1
        ? "volume " + joinQuote(bad) + " uses restricted volume type \"hostPath\""
        : "volumes " + joinQuote(bad) + " use restricted volume type \"hostPath\"";
    return Optional.of(new Violation("restricted volume types", detail));
  }

  private static Optional<Violation> runAsNonRoot(Pod pod, List<Container> containers) {
    Optional<Boolean> podLevel = pod.spec().securityContext().runAsNonRoot();
    List<String> setters = setters(podLevel.equals(Optional.of(false)), containers,
        c -> c.securityContext().runAsNonRoot().equals(Optional.of(false)));
    if (!setters.isEmpty()) {
      return Optional.of(new Violation("runAsNonRoot != true",
          String.join(" and ", setters) + " must not set securityContext.runAsNonRoot=false"));
    }
    if (podLevel.equals(Optional.of(true))) {
      return Optional.empty();
    }
    List<String> implicit = containers.stream()
        .filter(c -> c.securityContext().runAsNonRoot().isEmpty()).map(Container::name).toList();
    return implicit.isEmpty() ? Optional.empty() : Optional.of(new Violation("runAsNonRoot != true",
        "pod or " + containersNamed(implicit) + " must set securityContext.runAsNonRoot=true"));
  }

  private static Optional<Violation> runAsUser(Pod pod, List<Container> containers) {
    List<String> setters = setters(pod.spec().securityContext().runAsUser().equals(Optional.of(0L)), containers,
        c -> c.securityContext().runAsUser().equals(Optional.of(0L)));
    return setters.isEmpty() ? Optional.empty()
        : Optional.of(new Violation("runAsUser=0", String.join(" and ", setters) + " must not set runAsUser=0"));
  }

  private static Optional<Violation> seccompRestricted(Pod pod, List<Container> containers) {
    Optional<Violation> explicit = explicitlyUnconfined(pod, containers);
    if (explicit.isPresent()) {
      return explicit;
    }
    if (pod.spec().securityContext().seccompProfile().isPresent()) {
      return Optional.empty();
    }
    List<String> implicit = containers.stream()
        .filter(c -> c.securityContext().seccompProfile().isEmpty()).map(Container::name).toList();
    return implicit.isEmpty() ? Optional.empty() : Optional.of(new Violation("seccompProfile",
        "pod or " + containersNamed(implicit) + " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""));
  }

  /** Unconfined named at pod or container level; RuntimeDefault and Localhost are both fine. */
  private static Optional<Violation> explicitlyUnconfined(Pod pod, List<Container> containers) {
    Predicate<Optional<SeccompProfile>> unconfined = p -> p.map(s -> s.type() == SeccompProfile.Type.Unconfined).orElse(false);
    List<String> setters = setters(unconfined.test(pod.spec().securityContext().seccompProfile()), containers,
        c -> unconfined.test(c.securityContext().seccompProfile()));
    return setters.isEmpty() ? Optional.empty() : Optional.of(new Violation("seccompProfile",
        String.join(" and ", setters) + " must not set securityContext.seccompProfile.type to \"Unconfined\""));
  }

  /** Who set a forbidden value explicitly: "pod", "container \"a\"", or both joined by the caller with "and". */
  private static List<String> setters(boolean podBad, List<Container> containers, Predicate<Container> bad) {
    List<String> setters = new ArrayList<>();
    if (podBad) {
      setters.add("pod");
    }
    List<String> names = containers.stream().filter(bad).map(Container::name).toList();
    if (!names.isEmpty()) {
      setters.add(containersNamed(names));
    }
    return setters;
  }

  private static Optional<Violation> hostNamespaces(Pod pod) {
    return pod.spec().hostNetwork() ? Optional.of(new Violation("host namespaces", "hostNetwork=true")) : Optional.empty();
  }

  private static Optional<Violation> hostPorts(List<Container> containers) {
    List<String> names = new ArrayList<>();
    List<String> ports = new ArrayList<>();
    for (Container c : containers) {
      for (var p : c.ports()) {
        if (p.hostPort() != 0) {
          names.add(c.name());
          ports.add(Integer.toString(p.hostPort()));
        }
      }
    }
    if (names.isEmpty()) {
      return Optional.empty();
    }
    int n = (int) names.stream().distinct().count();
    return Optional.of(new Violation("hostPort", plural("container", n) + " " + joinQuote(names) + " " + (n == 1 ? "uses" : "use")
        + " " + plural("hostPort", ports.size()) + " " + String.join(", ", ports)));
  }

  private static Optional<Violation> forContainers(
      List<Container> containers, Predicate<Container> bad, String reason, String must) {
    List<String> names = containers.stream().filter(bad).map(Container::name).toList();
    return names.isEmpty() ? Optional.empty() : Optional.of(new Violation(reason, containersNamed(names) + " " + must));
  }

  private static String containersNamed(List<String> names) {
    return plural("container", names.size()) + " " + joinQuote(names);
  }

  private static String plural(String noun, int n) {
    return n == 1 ? noun : noun + "s";
  }

  private static String joinQuote(Collection<String> items) {
    return items.stream().distinct().map(i -> "\"" + i + "\"").collect(Collectors.joining(", "));
  }

  /** Kubernetes names capabilities without the CAP_ prefix. */
  private static String shortName(String capability) {
    return capability.startsWith("CAP_") ? capability.substring(4) : capability;
  }
}
