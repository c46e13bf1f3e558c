package dev.sandboxd.cri;

import java.util.List;
import runtime.v1.Api.ContainerConfig;
import runtime.v1.Api.PodSandboxConfig;

/**
 * A pod as kubelet hands it to CRI: the sandbox, then the init containers one after another
 * (each must exit 0), then the app containers; and what of the manifest this path does not apply.
 */
public record CriPodPlan(
    PodSandboxConfig sandbox, List<ContainerConfig> initContainers, List<ContainerConfig> containers, List<String> warnings) {

  public CriPodPlan {
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
    warnings = List.copyOf(warnings);
  }
}
