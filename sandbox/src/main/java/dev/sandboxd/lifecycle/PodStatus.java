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
    List<String> resourceWarnings) {

  public PodStatus {
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
    resourceWarnings = List.copyOf(resourceWarnings);
  }

  public Optional<ContainerStatus> container(String name) {
    return containers.stream().filter(c -> c.name().equals(name)).findFirst();
  }
}
