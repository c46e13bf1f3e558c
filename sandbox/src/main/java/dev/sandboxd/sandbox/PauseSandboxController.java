package dev.sandboxd.sandbox;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.ImageService;
import dev.sandboxd.image.NodePlatform;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.rollback.Rollback;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.spec.OciSpecs;
import dev.sandboxd.spec.PauseSpecInputs;
import dev.sandboxd.spec.ProcessPrivileges;
import dev.sandboxd.spec.RuntimeDefaultSeccomp;
import dev.sandboxd.supervisor.TaskEventHandler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sandboxes backed by a pause task: its container owns the pod's network, IPC, UTS and PID
 * namespaces (runc creates them and brings loopback up, or it joins a given network namespace),
 * and every app task joins them by path. Each sandbox's state is kept in memory, moved by this
 * controller's own calls and by containerd's task exit events, so status and wait need no call
 * to containerd.
 */
public final class PauseSandboxController implements SandboxController, TaskEventHandler {
  private static final int SIGTERM = 15;
  private static final int SIGKILL = 9;
  /** What a wait sees when the sandbox is shut down before its pause task exited. */
  static final int SHUT_DOWN_EXIT_CODE = 255;
  /**
   * SIGTERM is sent again at this pace until pause exits or the timeout passes. One that comes
   * right after start can reach the process while it is still runc's init, PID 1 of its PID
   * namespace without a handler, and the kernel drops it: pause would never see it.
   */
  private static final Duration TERM_RESEND_INTERVAL = Duration.ofMillis(100);

  private final ContainerRuntime runtime;
  private final PauseImage pauseImage;
  private final ProcessPrivileges privileges;
  private final Clock clock;
  private final PauseRootfs rootfs;
  private final Map<String, Entry> sandboxes = new ConcurrentHashMap<>();

  /**
   * One sandbox: its current state, the shared view its pause container names and whose mounts
   * start uses (null when adopted at start-up: it may name a snapshot of its own, from before
   * pauses shared a view), and its exit.
   */
  private static final class Entry {
    volatile Sandbox sandbox;
    volatile PauseRootfs.View view;
    final CompletableFuture<SandboxExit> exit = new CompletableFuture<>();

    Entry(Sandbox sandbox) {
      this.sandbox = sandbox;
    }
  }

  public PauseSandboxController(ContainerRuntime runtime, PauseImage pauseImage, ProcessPrivileges privileges, Clock clock) {
    this.runtime = runtime;
    this.pauseImage = pauseImage;
    this.privileges = privileges;
    this.clock = clock;
    this.rootfs = new PauseRootfs(runtime, clock);
  }

  @Override
  public Sandbox create(SandboxSpec spec) {
    String id = spec.id();
    ImageService.ResolvedImage image = pauseImage.ensure();
    boolean nativeImage = image.architecture().map(NodePlatform.ARCHITECTURE::equals).orElse(true);
    Map<String, String> labels = new HashMap<>(spec.labels());
    labels.putAll(Map.of(
        Labels.POD, spec.pod().fullName(),
        Labels.POD_UID, spec.pod().uid(),
        Labels.ROLE, Labels.ROLE_PAUSE,
        Labels.SANDBOX_ID, id));
    byte[] ociSpec = OciSpecs.forPause(new PauseSpecInputs(
            spec.pod().namespace(), spec.pod().name(), spec.pod().uid(), id, image.config(), spec.cgroupPath(),
            spec.hostname(), spec.netnsPath(), privileges.oomScoreAdjFor(OciSpecs.PAUSE_OOM_SCORE_ADJ),
            spec.hostNamespaces(), spec.sysctls(), spec.seccomp().map(s -> RuntimeDefaultSeccomp.forPauseImage(s, nativeImage))))
        .toJson();
    Entry entry = new Entry(new Sandbox(id, State.Created, 0, spec.netnsPath().orElse(""), clock.instant(), Optional.empty()));
    if (sandboxes.putIfAbsent(id, entry) != null) {
      throw SandboxdException.alreadyExists("sandbox %s exists already", id);
    }
    try {
      entry.view = rootfs.createOn(image.chainId(),
          key -> runtime.createContainer(new ContainerRuntime.ContainerCreate(id, image.name(), labels, ociSpec, key)));
    } catch (RuntimeException e) {
      sandboxes.remove(id, entry);
      throw e;
    }
    return entry.sandbox;
  }

  @Override
  public Sandbox start(String sandboxId) {
    Entry entry = entry(sandboxId);
    if (entry.sandbox.state() != State.Created) {
      return entry.sandbox;
    }
    try (Rollback rollback = new Rollback()) {
      try {
        // pause writes nothing worth keeping: no stdio at all.
        int pid = runtime.createTask(sandboxId, entry.view.mounts(), "");
        rollback.push("delete pause task", () -> {
          runtime.killTask(sandboxId, SIGKILL);
          runtime.waitTask(sandboxId, Duration.ofSeconds(10));
          runtime.deleteTask(sandboxId);
        });
        runtime.startTask(sandboxId);
        rollback.commit();
        Sandbox created = entry.sandbox;
        String netns = created.netnsPath().isEmpty() ? netnsPath(pid) : created.netnsPath();
        entry.sandbox = new Sandbox(sandboxId, State.Ready, pid, netns, created.createdAt(), Optional.empty());
        return entry.sandbox;
      } catch (RuntimeException e) {
        throw rollback.failed(e);
      }
    }
  }

  @Override
  public Platform platform(String sandboxId) {
    entry(sandboxId);
    return new Platform("linux", NodePlatform.ARCHITECTURE);
  }

  @Override
  public void stop(String sandboxId, Duration timeout) {
    Entry entry = entry(sandboxId);
    if (entry.sandbox.state() != State.Ready) {
      return;
    }
    Duration left = timeout;
    do {
      Duration slice = left.compareTo(TERM_RESEND_INTERVAL) < 0 ? left : TERM_RESEND_INTERVAL;
      runtime.killTask(sandboxId, SIGTERM);
      Optional<ContainerRuntime.TaskExit> exit = runtime.waitTask(sandboxId, slice);
      if (exit.isPresent()) {
        exited(entry, new SandboxExit(exit.get().exitCode(), exit.get().exitedAt()));
        return;
      }
      left = left.minus(slice);
    } while (left.compareTo(Duration.ZERO) > 0);
    runtime.killTask(sandboxId, SIGKILL);
    ContainerRuntime.TaskExit exit = runtime.waitTask(sandboxId, Duration.ofSeconds(10)).orElseThrow(
        () -> SandboxdException.internal("pause task of sandbox " + sandboxId + " survived SIGKILL", null));
    exited(entry, new SandboxExit(exit.exitCode(), exit.exitedAt()));
  }

  @Override
  public CompletableFuture<SandboxExit> waitExit(String sandboxId) {
    return entry(sandboxId).exit.copy();
  }

  @Override
  public Sandbox status(String sandboxId) {
    return entry(sandboxId).sandbox;
  }

  @Override
  public void shutdown(String sandboxId) {
    Entry entry = sandboxes.get(sandboxId);
    Optional<TaskInfo> task = runtime.task(sandboxId);
    if (task.isPresent() && task.get().status() != TaskStatus.Stopped) {
      runtime.killTask(sandboxId, SIGKILL);
      runtime.waitTask(sandboxId, Duration.ofSeconds(10));
    }
    runtime.deleteTask(sandboxId);
    runtime.deleteContainer(sandboxId);
    if (entry == null || entry.view == null) {
      runtime.removeSnapshot(sandboxId);
    } else {
      rootfs.released(entry.view.key());
    }
    if (entry != null) {
      sandboxes.remove(sandboxId, entry);
      entry.exit.complete(new SandboxExit(SHUT_DOWN_EXIT_CODE, clock.instant()));
    }
  }

  @Override
  public Sandbox adopt(String sandboxId, Instant createdAt) {
    Optional<TaskInfo> task = runtime.task(sandboxId);
    Sandbox sandbox;
    if (task.isPresent() && task.get().status() == TaskStatus.Running) {
      int pid = task.get().pid();
      sandbox = new Sandbox(sandboxId, State.Ready, pid, netnsPath(pid), createdAt, Optional.empty());
    } else {
      SandboxExit exit = task.filter(t -> t.status() == TaskStatus.Stopped)
          .map(t -> new SandboxExit(t.exitCode(), t.exitedAt().orElse(clock.instant())))
          .orElse(new SandboxExit(SHUT_DOWN_EXIT_CODE, clock.instant()));
      sandbox = new Sandbox(sandboxId, State.NotReady, 0, "", createdAt, Optional.of(exit));
    }
    Entry entry = new Entry(sandbox);
    sandbox.exit().ifPresent(entry.exit::complete);
    sandboxes.put(sandboxId, entry);
    return sandbox;
  }

  // --- containerd's task events, delivered before the pods see them ---

  @Override
  public void taskExited(String containerId, int exitCode, Instant exitedAt) {
    Entry entry = sandboxes.get(containerId);
    if (entry != null) {
      exited(entry, new SandboxExit(exitCode, exitedAt));
    }
  }

  @Override
  public void taskOomKilled(String containerId) {
    // pause holds no memory worth speaking of; the pod's containers are told their own OOMs.
  }

  @Override
  public void streamStarted() {
    // Exits missed while the stream was down: only running sandboxes can have one.
    for (Map.Entry<String, Entry> e : sandboxes.entrySet()) {
      if (e.getValue().sandbox.state() != State.Ready) {
        continue;
      }
      Optional<TaskInfo> task = runtime.task(e.getKey());
      if (task.isEmpty() || task.get().status() != TaskStatus.Running) {
        exited(e.getValue(), new SandboxExit(task.map(TaskInfo::exitCode).orElse(SHUT_DOWN_EXIT_CODE),
            task.flatMap(TaskInfo::exitedAt).orElse(clock.instant())));
      }
    }
  }

  private void exited(Entry entry, SandboxExit exit) {
    Sandbox s = entry.sandbox;
    if (s.state() != State.NotReady) {
      entry.sandbox = new Sandbox(s.id(), State.NotReady, 0, s.netnsPath(), s.createdAt(), Optional.of(exit));
    }
    entry.exit.complete(exit);
  }

  private Entry entry(String sandboxId) {
    Entry entry = sandboxes.get(sandboxId);
    if (entry == null) {
      throw SandboxdException.notFound("sandbox %s not found", sandboxId);
    }
    return entry;
  }

  private static String netnsPath(int pid) {
    return Path.of("/proc", Integer.toString(pid), "ns", "net").toString();
  }
}
