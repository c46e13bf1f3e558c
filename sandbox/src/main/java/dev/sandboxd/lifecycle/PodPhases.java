package dev.sandboxd.lifecycle;

import dev.sandboxd.state.PodRecord.Stage;
import java.util.ArrayList;
import java.util.List;

/**
 * The pod phase from its containers' states, as kubelet computes it when no container will be
 * restarted (restart supervision comes with the lifecycle issue): Pending while anything is
 * being created, Running while any container runs, then Succeeded if all exited 0, else Failed.
 */
final class PodPhases {
  private PodPhases() {}

  static PodPhase of(Stage stage, SandboxStatus.State sandbox, List<ContainerStatus> init, List<ContainerStatus> apps) {
    if (stage == Stage.Creating) {
      return PodPhase.Pending;
    }
    if (init.isEmpty() && apps.isEmpty()) {
      // A pod of its sandbox alone (a lenient manifest without containers) lives as its sandbox does.
      return sandbox == SandboxStatus.State.Ready ? PodPhase.Running : PodPhase.Succeeded;
    }
    List<ContainerStatus> all = new ArrayList<>(apps);
    int running = 0;
    int waiting = 0;
    int failed = 0;
    for (ContainerStatus c : all) {
      if (c.state() instanceof ContainerStatus.Running) {
        running++;
      } else if (c.state() instanceof ContainerStatus.Waiting) {
        waiting++;
      } else if (c.state() instanceof ContainerStatus.Terminated t && t.exitCode() != 0) {
        failed++;
      }
    }
    if (running > 0) {
      return PodPhase.Running;
    }
    if (waiting > 0) {
      return sandbox == SandboxStatus.State.Ready ? PodPhase.Pending : PodPhase.Unknown;
    }
    return failed > 0 ? PodPhase.Failed : PodPhase.Succeeded;
  }
}
