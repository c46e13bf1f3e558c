package dev.sandboxd.runtime;

import dev.sandboxd.errdefs.SandboxdException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * An in-memory containerd: snapshots, containers and tasks, so the pod logic can be checked for
 * what it creates and what it leaves behind. Tasks exit when killed; failures can be injected.
 */
public final class FakeContainerRuntime implements ContainerRuntime {
  /** Snapshots with this label are meant to outlive the pods (the pauses' shared rootfs view): no leftover. */
  private static final String GC_ROOT_LABEL = "containerd.io/gc.root";
  public final Map<String, String> snapshots = new ConcurrentHashMap<>();
  /** Labels of the snapshots made with some (shared views). */
  public final Map<String, Map<String, String>> snapshotLabels = new ConcurrentHashMap<>();
  public final Map<String, ContainerCreate> containers = new ConcurrentHashMap<>();
  public final Map<String, TaskInfo> tasks = new ConcurrentHashMap<>();
  public final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
  /** Containers whose task stays running on this signal (e.g. ignores SIGTERM). */
  public final Map<String, Integer> ignoredSignal = new ConcurrentHashMap<>();
  /** Injected failures: call name (as in {@link #calls}, e.g. "start-task") to the ids it fails for. */
  private final Map<String, Predicate<String>> failures = new ConcurrentHashMap<>();
  private int nextPid = 1000;

  public void failCreateTaskWhen(Predicate<String> condition) {
    failWhen("create-task", condition);
  }

  /** Makes the call (e.g. "start-task", "delete-container") fail for the ids that match, after it is recorded. */
  public void failWhen(String call, Predicate<String> condition) {
    failures.put(call, condition);
  }

  private void injectFailure(String call, String id) {
    if (failures.getOrDefault(call, x -> false).test(id)) {
      throw SandboxdException.internal("injected: " + call + " failed for " + id, null);
    }
  }


  @Override
  public void removeSnapshot(String key) {
    calls.add("remove-snapshot " + key);
    injectFailure("remove-snapshot", key);
    snapshots.remove(key);
    snapshotLabels.remove(key);
  }

  @Override
  public List<RootfsMount> sharedView(String key, String chainId, Map<String, String> labels) {
    calls.add("shared-view " + key);
    injectFailure("shared-view", key);
    snapshots.putIfAbsent(key, chainId);
    snapshotLabels.putIfAbsent(key, Map.copyOf(labels));
    return mounts(key);
  }

  @Override
  public List<String> snapshotKeys(Map<String, String> labels) {
    return snapshots.keySet().stream()
        .filter(k -> snapshotLabels.getOrDefault(k, Map.of()).entrySet().containsAll(labels.entrySet()))
        .toList();
  }

  @Override
  public void createContainer(ContainerCreate container) {
    calls.add("create-container " + container.id());
    injectFailure("create-container", container.id());
    if (containers.putIfAbsent(container.id(), container) != null) {
      throw SandboxdException.alreadyExists("container %s", container.id());
    }
  }

  @Override
  public List<RootfsMount> createContainer(ContainerCreate container, String chainId, boolean readOnlyRootfs) {
    calls.add("create-container " + container.id());
    if (snapshots.containsKey(container.snapshotKey()) || containers.containsKey(container.id())) {
      throw SandboxdException.alreadyExists("container %s", container.id());
    }
    snapshots.put(container.snapshotKey(), chainId);
    containers.put(container.id(), container);
    return mounts(container.snapshotKey());
  }

  @Override
  public void deleteContainer(String id) {
    calls.add("delete-container " + id);
    injectFailure("delete-container", id);
    if (tasks.containsKey(id)) {
      throw SandboxdException.failedPrecondition("container %s has a task", id);
    }
    containers.remove(id);
  }

  @Override
  public byte[] containerSpec(String id) {
    ContainerCreate c = containers.get(id);
    if (c == null) {
      throw SandboxdException.notFound("container %s", id);
    }
    return c.specJson();
  }

  @Override
  public List<ContainerInfo> listContainers(Map<String, String> labels) {
    List<ContainerInfo> out = new ArrayList<>();
    for (ContainerCreate c : containers.values()) {
      if (c.labels().entrySet().containsAll(labels.entrySet())) {
        out.add(new ContainerInfo(c.id(), c.image(), c.labels(), Instant.EPOCH, c.snapshotKey(), ""));
      }
    }
    return out;
  }

  @Override
  public synchronized int createTask(String id, List<RootfsMount> rootfs, String logUri) {
    calls.add("create-task " + id);
    if (!containers.containsKey(id)) {
      throw SandboxdException.notFound("container %s", id);
    }
    injectFailure("create-task", id);
    int pid = nextPid++;
    tasks.put(id, new TaskInfo(id, pid, TaskStatus.Created, 0, Optional.empty()));
    return pid;
  }

  @Override
  public void startTask(String id) {
    calls.add("start-task " + id);
    injectFailure("start-task", id);
    TaskInfo t = task(id).orElseThrow();
    tasks.put(id, new TaskInfo(id, t.pid(), TaskStatus.Running, 0, Optional.empty()));
  }

  @Override
  public void killTask(String id, int signal) {
    calls.add("kill " + id + " " + signal);
    TaskInfo t = tasks.get(id);
    if (t == null || t.status() == TaskStatus.Stopped) {
      return;
    }
    Integer ignored = ignoredSignal.get(id);
    if (ignored != null && ignored == signal) {
      return;
    }
    tasks.put(id, new TaskInfo(id, t.pid(), TaskStatus.Stopped, 128 + signal, Optional.of(Instant.EPOCH)));
  }

  /** Lets a running task exit by itself with the given code. */
  public void exit(String id, int code) {
    TaskInfo t = tasks.get(id);
    tasks.put(id, new TaskInfo(id, t.pid(), TaskStatus.Stopped, code, Optional.of(Instant.EPOCH)));
  }

  @Override
  public Optional<TaskInfo> task(String id) {
    return Optional.ofNullable(tasks.get(id));
  }

  @Override
  public Optional<TaskExit> waitTask(String id, Duration timeout) {
    TaskInfo t = tasks.get(id);
    if (t == null) {
      throw SandboxdException.notFound("task %s", id);
    }
    return t.status() == TaskStatus.Stopped ? Optional.of(new TaskExit(t.exitCode(), Instant.EPOCH)) : Optional.empty();
  }

  @Override
  public Optional<TaskExit> deleteTask(String id) {
    calls.add("delete-task " + id);
    injectFailure("delete-task", id);
    TaskInfo t = tasks.get(id);
    if (t == null) {
      return Optional.empty();
    }
    if (t.status() != TaskStatus.Stopped) {
      throw SandboxdException.failedPrecondition("task %s is running", id);
    }
    tasks.remove(id);
    return Optional.of(new TaskExit(t.exitCode(), Instant.EPOCH));
  }

  @Override
  public Optional<TaskExit> exec(ExecProcess process, Duration timeout) {
    throw new UnsupportedOperationException("exec needs fifos; covered end to end");
  }

  @Override
  public void startExec(ExecProcess process) {
    throw new UnsupportedOperationException("exec needs fifos; covered end to end");
  }

  @Override
  public Optional<TaskExit> waitExec(String containerId, String execId, Duration timeout) {
    throw new UnsupportedOperationException("exec needs fifos; covered end to end");
  }

  @Override
  public void resizeExec(String containerId, String execId, int width, int height) {
    throw new UnsupportedOperationException("exec needs fifos; covered end to end");
  }

  @Override
  public void killAndDeleteExec(String containerId, String execId) {
    throw new UnsupportedOperationException("exec needs fifos; covered end to end");
  }

  /** Everything containerd would still hold of the pods (GC roots, made to outlive them, aside). */
  public Map<String, Object> leftovers() {
    Map<String, Object> out = new LinkedHashMap<>();
    Set<String> ownSnapshots = snapshots.keySet().stream()
        .filter(k -> !snapshotLabels.getOrDefault(k, Map.of()).containsKey(GC_ROOT_LABEL))
        .collect(Collectors.toCollection(TreeSet::new));
    if (!ownSnapshots.isEmpty()) {
      out.put("snapshots", ownSnapshots);
    }
    if (!containers.isEmpty()) {
      out.put("containers", containers.keySet());
    }
    if (!tasks.isEmpty()) {
      out.put("tasks", tasks.keySet());
    }
    return out;
  }

  private static List<RootfsMount> mounts(String key) {
    return List.of(new RootfsMount("overlay", "overlay", "", List.of("lowerdir=/l/" + key)));
  }
}
