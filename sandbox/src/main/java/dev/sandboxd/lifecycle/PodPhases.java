package dev.sandboxd.lifecycle;

import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.PodSpec;
import dev.sandboxd.pod.RestartPolicy;
import java.util.List;
import java.util.Optional;

/**
 * The pod phase exactly as kubelet computes it (pkg/kubelet/kubelet_pods.go getPhase): from the
 * init containers (sidecars count once started), then the app containers' states and last
 * terminations, the restart policy, and whether the pod is terminal (stopped on purpose).
 */
final class PodPhases {
  private PodPhases() {}

  static PodPhase of(PodSpec spec, List<ContainerStatus> initStatuses, List<ContainerStatus> statuses, boolean podIsTerminal) {
    int pendingInitialization = 0;
    int failedInitialization = 0;
    for (Container init : spec.initContainers()) {
      Optional<ContainerStatus> found = find(initStatuses, init.name());
      if (found.isEmpty()) {
        pendingInitialization++;
        continue;
      }
      ContainerStatus status = found.get();
      if (init.supervision().isSidecar()) {
        if (status.state() instanceof ContainerStatus.Running) {
          if (!status.started()) {
            pendingInitialization++;
          }
        } else if (status.state() instanceof ContainerStatus.Waiting && status.lastState().isEmpty()) {
          pendingInitialization++;
        }
        continue;
      }
      if (status.state() instanceof ContainerStatus.Running) {
        pendingInitialization++;
      } else if (status.state() instanceof ContainerStatus.Terminated t) {
        if (t.exitCode() != 0) {
          failedInitialization++;
        }
      } else if (status.lastState().isPresent()) {
        if (status.lastState().get().exitCode() != 0) {
          failedInitialization++;
        }
      } else {
        pendingInitialization++;
      }
    }

    int unknown = 0;
    int running = 0;
    int waiting = 0;
    int stopped = 0;
    int succeeded = 0;
    for (Container container : spec.containers()) {
      Optional<ContainerStatus> found = find(statuses, container.name());
      if (found.isEmpty()) {
        unknown++;
        continue;
      }
      ContainerStatus status = found.get();
      if (status.state() instanceof ContainerStatus.Running) {
        running++;
      } else if (status.state() instanceof ContainerStatus.Terminated t) {
        stopped++;
        if (t.exitCode() == 0) {
          succeeded++;
        }
      } else if (status.lastState().isPresent()) {
        stopped++;
      } else {
        waiting++;
      }
    }

    if (failedInitialization > 0 && spec.restartPolicy() == RestartPolicy.Never) {
      return PodPhase.Failed;
    }
    if ((pendingInitialization > 0 && !anyRegularContainerStarted(statuses)) || waiting > 0) {
      return PodPhase.Pending;
    }
    if (running > 0 && unknown == 0) {
      return PodPhase.Running;
    }
    if (running == 0 && stopped > 0 && unknown == 0) {
      if (podIsTerminal) {
        return stopped == succeeded ? PodPhase.Succeeded : PodPhase.Failed;
      }
      if (spec.restartPolicy() == RestartPolicy.Always) {
        return PodPhase.Running;
      }
      if (stopped == succeeded) {
        return PodPhase.Succeeded;
      }
      if (spec.restartPolicy() == RestartPolicy.Never) {
        return PodPhase.Failed;
      }
      return PodPhase.Running;
    }
    return PodPhase.Pending;
  }

  private static boolean anyRegularContainerStarted(List<ContainerStatus> statuses) {
    for (ContainerStatus s : statuses) {
      if (s.state() instanceof ContainerStatus.Running
          || s.state() instanceof ContainerStatus.Terminated
          || s.lastState().isPresent()) {
        return true;
      }
    }
    return false;
  }

  private static Optional<ContainerStatus> find(List<ContainerStatus> statuses, String name) {
    return statuses.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
