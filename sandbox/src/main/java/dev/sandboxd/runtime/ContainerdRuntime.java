package dev.sandboxd.runtime;

import dev.sandboxd.containerd.ConnectionOptions;
import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.ContainerdConnection;
import dev.sandboxd.containerd.Containers;
import dev.sandboxd.containerd.ExitStatus;
import dev.sandboxd.containerd.Mount;
import dev.sandboxd.containerd.NewContainer;
import dev.sandboxd.containerd.ProcessStatus;
import dev.sandboxd.containerd.TaskIo;
import dev.sandboxd.containerd.SandboxStore;
import dev.sandboxd.containerd.SnapshotInfo;
import dev.sandboxd.containerd.Snapshots;
import dev.sandboxd.containerd.TaskProcess;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.ClientInterceptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** {@link ContainerRuntime} over containerd's gRPC API (shim-client). */
public final class ContainerdRuntime implements ContainerRuntime, AutoCloseable {
  private static final int SIGKILL = 9;
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);

  private final ContainerdConnection client;

  private ContainerdRuntime(ContainerdConnection client) {
    this.client = client;
  }

  /**
   * Connects and waits up to STARTUP_WAIT for containerd to serve: started together (a unit
   * ordering, hack/node, a slow emulated VM), containerd may still be loading its plugins.
   */
  public static ContainerdRuntime connect(Path socket, String namespace, ClientInterceptor... interceptors) {
    ContainerdConnection connection = ContainerdConnection.open(socket, ConnectionOptions.forNamespace(namespace), interceptors);
    long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
    while (!connection.isServing()) {
      if (System.nanoTime() > deadline) {
        connection.close();
        throw SandboxdException.unavailable("containerd at " + socket + " is not serving (waited "
            + STARTUP_WAIT.toSeconds() + " s)", null);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        connection.close();
        throw SandboxdException.unavailable("interrupted while waiting for containerd at " + socket, e);
      }
    }
    return new ContainerdRuntime(connection);
  }

  public Containerd client() {
    return client;
  }

  /** The same connection's operations in another containerd namespace (closing it closes nothing). */
  public ContainerdRuntime inNamespace(String namespace) {
    return new ContainerdRuntime(client.withNamespace(namespace));
  }

  /** containerd's sandbox store in this runtime's namespace. */
  public SandboxStore sandboxStore() {
    return client.sandboxStore();
  }

  /** Reconnects to containerd now rather than after grpc's back-off. */
  public void reconnectNow() {
    client.reconnectNow();
  }

  @Override
  public void removeSnapshot(String key) {
    ignoreNotFound(() -> client.snapshots().remove(key));
  }

  @Override
  public List<RootfsMount> sharedView(String key, String chainId, Map<String, String> labels) {
    Snapshots snapshots = client.snapshots();
    try {
      return toRootfs(snapshots.view(key, chainId, labels));
    } catch (SandboxdException.AlreadyExists e) {
      return toRootfs(snapshots.mounts(key));
    }
  }

  @Override
  public List<String> snapshotKeys(Map<String, String> labels) {
    return client.snapshots().list(labelFilter(labels)).stream().map(SnapshotInfo::name).toList();
  }

  @Override
  public void createContainer(ContainerCreate c) {
    client.containers().create(new NewContainer(c.id(), c.image(), c.labels(), Containers.RUNC_RUNTIME,
        c.specJson(), Snapshots.DEFAULT_SNAPSHOTTER, c.snapshotKey(), ""));
  }

  @Override
  public List<RootfsMount> createContainer(ContainerCreate c, String chainId, boolean readOnlyRootfs) {
    // The container record comes first. It references its snapshot key, and containerd's GC keeps
    // every snapshot a container references, so the snapshot is safe from the moment it exists
    // without the lease containerd's client takes: two round trips fewer per container.
    createContainer(c);
    try {
      Snapshots snapshots = client.snapshots();
      return toRootfs(readOnlyRootfs
          ? snapshots.view(c.snapshotKey(), chainId, c.labels())
          : snapshots.prepare(c.snapshotKey(), chainId, c.labels()));
    } catch (RuntimeException e) {
      try {
        deleteContainer(c.id());
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
  }

  @Override
  public void deleteContainer(String id) {
    ignoreNotFound(() -> client.containers().delete(id));
  }

  @Override
  public byte[] containerSpec(String id) {
    return client.containers().get(id).spec();
  }

  @Override
  public List<ContainerInfo> listContainers(Map<String, String> labels) {
    return client.containers().list(labelFilter(labels)).stream()
        .map(c -> new ContainerInfo(c.id(), c.image(), c.labels(), c.createdAt(), c.snapshotKey(), c.sandboxId()))
        .toList();
  }

  /** containerd's filter for objects with every label (none: all objects). */
  private static String[] labelFilter(Map<String, String> labels) {
    String filter = labels.entrySet().stream()
        .map(e -> "labels.\"" + e.getKey() + "\"==\"" + e.getValue().replace("\"", "\\\"") + "\"")
        .collect(Collectors.joining(","));
    return filter.isEmpty() ? new String[0] : new String[] {filter};
  }

  @Override
  public int createTask(String id, List<RootfsMount> rootfs, String logUri) {
    List<Mount> mounts = rootfs.stream().map(m -> new Mount(m.type(), m.source(), m.target(), m.options())).toList();
    return client.tasks().create(id, mounts, logUri.isEmpty() ? TaskIo.none() : new TaskIo("", logUri, logUri));
  }

  @Override
  public void startTask(String id) {
    client.tasks().start(id);
  }

  @Override
  public void killTask(String id, int signal) {
    ignoreNotFound(() -> client.tasks().kill(id, "", signal, false));
  }

  @Override
  public Optional<TaskInfo> task(String id) {
    try {
      TaskProcess t = client.tasks().get(id);
      return Optional.of(new TaskInfo(id, t.pid(), status(t.status()), t.exitStatus(), t.exitedAt()));
    } catch (SandboxdException.NotFound e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<TaskExit> waitTask(String id, Duration timeout) {
    return waitProcess(id, "", timeout);
  }

  @Override
  public Optional<TaskExit> deleteTask(String id) {
    try {
      ExitStatus exit = client.tasks().delete(id);
      return Optional.of(new TaskExit(exit.code(), exit.exitedAt()));
    } catch (SandboxdException.NotFound e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<TaskExit> exec(ExecProcess process, Duration timeout) {
    String id = process.containerId();
    try {
      startExec(process);
      Optional<TaskExit> exit = waitProcess(id, process.execId(), timeout);
      if (exit.isEmpty()) {
        client.tasks().kill(id, process.execId(), SIGKILL, false);
        waitProcess(id, process.execId(), Duration.ofSeconds(10));
      }
      return exit;
    } finally {
      ignoreNotFound(() -> client.tasks().deleteProcess(id, process.execId()));
    }
  }

  @Override
  public void startExec(ExecProcess process) {
    String id = process.containerId();
    client.tasks().exec(id, process.execId(), process.processSpecJson(),
        new TaskIo(process.stdin(), process.stdout(), process.stderr(), process.terminal()));
    try {
      client.tasks().start(id, process.execId());
    } catch (RuntimeException e) {
      ignoreNotFound(() -> client.tasks().deleteProcess(id, process.execId()));
      throw e;
    }
  }

  @Override
  public Optional<TaskExit> waitExec(String containerId, String execId, Duration timeout) {
    return waitProcess(containerId, execId, timeout);
  }

  @Override
  public void resizeExec(String containerId, String execId, int width, int height) {
    client.tasks().resizePty(containerId, execId, width, height);
  }

  @Override
  public void killAndDeleteExec(String containerId, String execId) {
    try {
      client.tasks().kill(containerId, execId, SIGKILL, false);
      waitProcess(containerId, execId, Duration.ofSeconds(10));
    } catch (SandboxdException e) {
      // It has exited already (or was never started): nothing to kill.
    }
    ignoreNotFound(() -> client.tasks().deleteProcess(containerId, execId));
  }

  @Override
  public void close() {
    client.close();
  }

  private Optional<TaskExit> waitProcess(String id, String execId, Duration timeout) {
    try {
      ExitStatus exit = client.tasks().wait(id, execId, timeout);
      return Optional.of(new TaskExit(exit.code(), exit.exitedAt()));
    } catch (SandboxdException.DeadlineExceeded e) {
      return Optional.empty();
    }
  }

  private static TaskStatus status(ProcessStatus s) {
    switch (s) {
      case CREATED:
        return TaskStatus.Created;
      case RUNNING:
        return TaskStatus.Running;
      case STOPPED:
        return TaskStatus.Stopped;
      case PAUSED:
        return TaskStatus.Paused;
      default:
        return TaskStatus.Unknown;
    }
  }

  private static List<RootfsMount> toRootfs(List<Mount> mounts) {
    return mounts.stream().map(m -> new RootfsMount(m.type(), m.source(), m.target(), m.options())).toList();
  }

  private static void ignoreNotFound(Runnable call) {
    try {
      call.run();
    } catch (SandboxdException.NotFound e) {
      // Already gone: removal is idempotent.
    }
  }
}
