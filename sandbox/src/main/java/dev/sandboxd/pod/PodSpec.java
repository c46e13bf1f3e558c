package dev.sandboxd.pod;

import java.util.List;
import java.util.Optional;

/** spec: the parts of a v1 PodSpec that sandboxd supports. */
public record PodSpec(
    List<Container> initContainers,
    List<Container> containers,
    List<Volume> volumes,
    RestartPolicy restartPolicy,
    long terminationGracePeriodSeconds,
    boolean shareProcessNamespace,
    Optional<String> hostname,
    PodSecurityContext securityContext,
    PodDns dns,
    List<String> imagePullSecrets,
    boolean hostNetwork) {

  public static final long DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

  /** A spec without imagePullSecrets, in its own network namespace. */
  public PodSpec(
      List<Container> initContainers,
      List<Container> containers,
      List<Volume> volumes,
      RestartPolicy restartPolicy,
      long terminationGracePeriodSeconds,
      boolean shareProcessNamespace,
      Optional<String> hostname,
      PodSecurityContext securityContext,
      PodDns dns) {
    this(initContainers, containers, volumes, restartPolicy, terminationGracePeriodSeconds, shareProcessNamespace,
        hostname, securityContext, dns, List.of(), false);
  }

  /** A spec without DNS settings (ClusterFirst) and imagePullSecrets, in its own network namespace. */
  public PodSpec(
      List<Container> initContainers,
      List<Container> containers,
      List<Volume> volumes,
      RestartPolicy restartPolicy,
      long terminationGracePeriodSeconds,
      boolean shareProcessNamespace,
      Optional<String> hostname,
      PodSecurityContext securityContext) {
    this(initContainers, containers, volumes, restartPolicy, terminationGracePeriodSeconds, shareProcessNamespace,
        hostname, securityContext, PodDns.DEFAULT, List.of(), false);
  }

  public PodSpec {
    imagePullSecrets = List.copyOf(imagePullSecrets);
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
    volumes = List.copyOf(volumes);
  }

  public Optional<Volume> volume(String name) {
    return volumes.stream().filter(v -> v.name().equals(name)).findFirst();
  }

  /** Init containers first, then app containers: the order they start in. */
  public List<Container> allContainers() {
    List<Container> all = new java.util.ArrayList<>(initContainers);
    all.addAll(containers);
    return all;
  }

  public Optional<Container> container(String name) {
    return containers.stream().filter(c -> c.name().equals(name)).findFirst();
  }
}
