package dev.sandboxd.container;

import dev.sandboxd.cgroup.PodResources;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.spec.EtcFiles;
import dev.sandboxd.spec.VolumeBind;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything needed to create and start one app or init container inside a running sandbox.
 *
 * @param resources its cgroup limits and oom_score_adj (before sandboxd's own bound)
 */
public record ContainerLaunch(
    Pod pod,
    Container container,
    String role,
    String containerId,
    String sandboxId,
    int pausePid,
    String cgroupPath,
    List<VolumeBind> volumeBinds,
    EtcFiles etcFiles,
    Path logPath,
    PodResources.ContainerResources resources) {

  public ContainerLaunch {
    volumeBinds = List.copyOf(volumeBinds);
  }
}
