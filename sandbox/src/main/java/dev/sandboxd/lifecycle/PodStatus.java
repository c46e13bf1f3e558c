package dev.sandboxd.lifecycle;

import dev.sandboxd.pod.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What sandboxd knows about one pod right now: its spec and the state of its sandbox and containers. */
public record PodStatus(
    Pod pod,
    Instant createdAt,
    PodPhase phase,
    SandboxStatus sandbox,
    List<ContainerStatus> initContainers,
    List<ContainerStatus> containers) {

  public PodStatus {
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
  }

  public Optional<ContainerStatus> container(String name) {
    return containers.stream().filter(c -> c.name().equals(name)).findFirst();
  }
}
