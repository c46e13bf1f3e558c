package dev.sandboxd.lifecycle;

import dev.sandboxd.cgroup.QosClass;
import dev.sandboxd.pod.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What sandboxd knows about one pod right now: its spec and the state of its sandbox and containers.
 *
 * @param frozen its cgroup is frozen (sandboxctl pause)
 * @param resourceWarnings limits it asked for that this node does not enforce
 * @param podIps status.podIPs, IPv4 first (the first is status.podIP); empty without a pod network
 * @param hostIp status.hostIP: the node's address ("" when unknown)
 */
public record PodStatus(
    Pod pod,
    Instant createdAt,
    PodPhase phase,
    SandboxStatus sandbox,
    List<ContainerStatus> initContainers,
    List<ContainerStatus> containers,
    QosClass qosClass,
    boolean frozen,
    List<String> resourceWarnings,
    List<String> podIps,
    String hostIp) {

  public PodStatus {
    podIps = List.copyOf(podIps);
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
    resourceWarnings = List.copyOf(resourceWarnings);
  }

  /** A pod condition as Kubernetes reports it (PodScheduled aside: there is no scheduler). */
  public record Condition(String type, boolean status, String reason) {}

  /**
   * Initialized: every init container done (sidecars started); ContainersReady: every app
   * container ready; Ready: the same, as there are no readiness gates.
   */
  public List<Condition> conditions() {
    boolean initialized = true;
    for (int i = 0; i < initContainers.size(); i++) {
      ContainerStatus c = initContainers.get(i);
      boolean sidecar = pod.spec().initContainers().get(i).supervision().isSidecar();
      boolean done = sidecar
          ? c.started()
          : c.state() instanceof ContainerStatus.Terminated t && t.exitCode() == 0;
      initialized &= done;
    }
    boolean ready = phase == PodPhase.Running;
    for (ContainerStatus c : containers) {
      ready &= c.ready();
    }
    for (int i = 0; i < initContainers.size(); i++) {
      if (pod.spec().initContainers().get(i).supervision().isSidecar()) {
        ready &= initContainers.get(i).ready();
      }
    }
    String notReady = ready ? "" : "ContainersNotReady";
    return List.of(
        new Condition("Initialized", initialized, initialized ? "" : "ContainersNotInitialized"),
        new Condition("ContainersReady", ready, notReady),
        new Condition("Ready", ready, notReady));
  }

  public Optional<ContainerStatus> container(String name) {
    return containers.stream().filter(c -> c.name().equals(name)).findFirst();
  }
}
