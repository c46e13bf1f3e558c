package dev.sandboxd.lifecycle;

import dev.sandboxd.cgroup.PodResources;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.supervisor.Scheduler;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One pod as sandboxd holds it in memory: its parsed spec and cgroup plan, sandboxd's record,
 * the last known state of its tasks, its pending restarts and its worker. Only the pod's worker
 * changes it; readers on other threads see the volatile record and the task map.
 */
final class PodEntry {
  final Pod pod;
  final PodResources resources;
  final PodWorker worker;
  volatile PodRecord record;
  /** Task state by container id, from sandboxd's own calls and containerd's exit events. */
  final Map<String, TaskInfo> tasks = new ConcurrentHashMap<>();
  /** Pending restart timers by container name (worker only). */
  final Map<String, Scheduler.Cancellable> restarts = new HashMap<>();
  /** Exits already acted on, so a reconcile does not act twice (worker only). */
  final Set<String> handledExits = new HashSet<>();
  /** Containers waiting for their image, by name (written by the worker, read by status). */
  final Map<String, ImagePulls.ImageWait> imageWaits = new ConcurrentHashMap<>();
  /** Container runs whose image is settled (present or pulled as their policy asks); worker only. */
  final Set<String> pulledRuns = new HashSet<>();
  /** Set once the pod is forgotten (removed, or its run rolled back): queued work then does nothing. */
  volatile boolean gone;

  PodEntry(Pod pod, PodResources resources, PodRecord record, PodWorker worker) {
    this.pod = pod;
    this.resources = resources;
    this.record = record;
    this.worker = worker;
  }

  String uid() {
    return record.uid();
  }

  String fullName() {
    return pod.fullName();
  }

  Optional<TaskInfo> task(String containerId) {
    return Optional.ofNullable(tasks.get(containerId));
  }

  Container containerSpec(String name) {
    return pod.spec().allContainers().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  boolean isInit(Container c) {
    return pod.spec().initContainers().contains(c);
  }

  /** The container whose current run has this id, if any. */
  Optional<Container> containerWithId(String containerId) {
    return pod.spec().allContainers().stream()
        .filter(c -> record.container(c.name()).containerId().equals(containerId))
        .findFirst();
  }
}
