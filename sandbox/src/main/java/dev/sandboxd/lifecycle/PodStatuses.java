package dev.sandboxd.lifecycle;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Container;
import dev.sandboxd.sandbox.SandboxController.Sandbox;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.state.PodRecord.Stage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a pod's status is computed: from sandboxd's record, the task states the workers and the
 * event stream keep, and the sandbox controller's memory. No call to containerd, so `ps`,
 * `inspect` and the metrics snapshot cost nothing there and answer while it is down.
 */
final class PodStatuses {
  private final PodDependencies deps;
  private final ContainerSupervisor supervisor;
  private final ImagePulls pulls;
  private final PodNetworking networking;

  PodStatuses(PodDependencies deps, ContainerSupervisor supervisor, ImagePulls pulls, PodNetworking networking) {
    this.deps = deps;
    this.supervisor = supervisor;
    this.pulls = pulls;
    this.networking = networking;
  }

  PodStatus of(PodEntry entry) {
    PodRecord record = entry.record;
    Optional<Sandbox> sandbox = sandbox(record.sandboxId());
    boolean ready = sandbox.map(Sandbox::ready).orElse(false);
    SandboxStatus.State sandboxState = record.stage() == Stage.Creating && !ready
        ? SandboxStatus.State.NotReady
        : ready ? SandboxStatus.State.Ready : SandboxStatus.State.Stopped;
    Instant now = deps.scheduler().now();
    boolean hasInit = !entry.pod.spec().initContainers().isEmpty();
    List<ContainerStatus> init = new ArrayList<>();
    for (Container c : entry.pod.spec().initContainers()) {
      init.add(containerStatus(entry, c, false, now));
    }
    List<ContainerStatus> apps = new ArrayList<>();
    for (Container c : entry.pod.spec().containers()) {
      apps.add(containerStatus(entry, c, hasInit, now));
    }
    PodPhase phase;
    if (record.stage() == Stage.Creating) {
      phase = PodPhase.Pending;
    } else if (record.stage() == Stage.SandboxLost) {
      phase = PodPhase.Failed;
    } else if (entry.pod.spec().containers().isEmpty() && entry.pod.spec().initContainers().isEmpty()) {
      // A pod of its sandbox alone (a lenient manifest without containers) lives as its sandbox does.
      phase = sandboxState == SandboxStatus.State.Ready ? PodPhase.Running : PodPhase.Succeeded;
    } else {
      phase = PodPhases.of(entry.pod.spec(), init, apps, record.stage() == Stage.Stopped || record.stage() == Stage.Stopping);
    }
    return new PodStatus(entry.pod, record.createdAt(), phase,
        new SandboxStatus(record.sandboxId(), sandboxState, sandbox.map(Sandbox::pid).orElse(0),
            deps.cgroups().taskPath(record.uid(), record.sandboxId()),
            ready ? sandbox.get().netnsPath() : "", record.createdAt()),
        init, apps,
        entry.resources.qos(),
        deps.cgroups().frozen(record.uid()),
        entry.resources.warnings(),
        networking.podIps(entry),
        networking.hostIp());
  }

  private Optional<Sandbox> sandbox(String sandboxId) {
    try {
      return Optional.of(deps.sandboxes().status(sandboxId));
    } catch (SandboxdException.NotFound e) {
      // Not made yet (the pod is being created) or shut down already (it is being removed).
      return Optional.empty();
    }
  }

  private ContainerStatus containerStatus(PodEntry entry, Container c, boolean podHasInit, Instant now) {
    ContainerRecord cr = entry.record.container(c.name());
    ContainerStatus status = ContainerStates.of(c, cr, entry.task(cr.containerId()), podHasInit, deps.probes(), now,
        supervisor.oomKills(entry, cr));
    if (!(status.state() instanceof ContainerStatus.Waiting)) {
      return status;
    }
    return pulls.waiting(entry, c.name(), now).map(status::withState).orElse(status);
  }
}
