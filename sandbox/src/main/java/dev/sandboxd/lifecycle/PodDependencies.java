package dev.sandboxd.lifecycle;

import dev.sandboxd.probe.ContainerProbes;
import dev.sandboxd.cgroup.PodCgroups;
import dev.sandboxd.container.ContainerManager;
import dev.sandboxd.lifecycle.LifecycleEvent.Type;
import dev.sandboxd.podfiles.PodFileWriter;
import dev.sandboxd.sandbox.SandboxController;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodStore;
import dev.sandboxd.supervisor.RestartBackOff;
import dev.sandboxd.supervisor.Scheduler;
import dev.sandboxd.volume.VolumeManager;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * What the pod lifecycle acts on, shared by its parts (starting, supervising, terminating,
 * recovering, reporting): the node's sandboxes, containers, volumes, pod files and cgroups, sandboxd's
 * records, time, the event feed, and the pool pod workers and parallel stops borrow threads from.
 */
record PodDependencies(
    SandboxController sandboxes,
    ContainerManager containers,
    VolumeManager volumes,
    PodFileWriter podFiles,
    PodCgroups cgroups,
    PodStore store,
    PodPaths paths,
    Scheduler scheduler,
    RestartBackOff backOff,
    LifecycleEvents events,
    Supplier<String> ids,
    Executor pool,
    ContainerProbes probes) {

  /** Persists the pod's next record, then makes it the current one. */
  void save(PodEntry entry, PodRecord next) {
    store.save(next);
    entry.record = next;
  }

  void publish(PodEntry entry, String container, Type type, String reason, String message) {
    events.publish(new LifecycleEvent(scheduler.now(), entry.fullName(), entry.uid(), container, type, reason, message));
  }
}
