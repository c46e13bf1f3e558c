package dev.sandboxd.sandbox;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.ImageService;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.rollback.Rollback;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.spec.OciSpecs;
import dev.sandboxd.spec.PauseSpecInputs;
import dev.sandboxd.spec.ProcessPrivileges;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sandboxes backed by a pause task: its container owns the pod's network, IPC, UTS and PID
 * namespaces (runc creates them and brings loopback up), and every app task joins them by path.
 */
public final class PauseSandboxController implements SandboxController {
  private static final int SIGTERM = 15;
  private static final int SIGKILL = 9;

  private final ContainerRuntime runtime;
  private final PauseImage pauseImage;
  private final ProcessPrivileges privileges;
  private final Clock clock;
  /** Rootfs mounts of sandboxes created but not started yet: start needs no round trip for them. */
  private final Map<String, List<ContainerRuntime.RootfsMount>> created = new ConcurrentHashMap<>();

  public PauseSandboxController(ContainerRuntime runtime, PauseImage pauseImage, ProcessPrivileges privileges, Clock clock) {
    this.runtime = runtime;
    this.pauseImage = pauseImage;
    this.privileges = privileges;
    this.clock = clock;
  }

  @Override
  public SandboxInfo create(Pod pod, String sandboxId, String cgroupPath) {
    ImageService.ResolvedImage image = pauseImage.ensure();
    Map<String, String> labels = Map.of(
        Labels.POD, pod.fullName(),
        Labels.POD_UID, pod.metadata().uid(),
        Labels.ROLE, Labels.ROLE_PAUSE,
        Labels.SANDBOX_ID, sandboxId);
    byte[] spec = OciSpecs.forPause(new PauseSpecInputs(
            pod, sandboxId, image.config(), cgroupPath, pod.hostname(),
            privileges.oomScoreAdjFor(OciSpecs.PAUSE_OOM_SCORE_ADJ)))
        .toJson();
    created.put(sandboxId, runtime.createContainer(
        new ContainerRuntime.ContainerCreate(sandboxId, image.name(), labels, spec, sandboxId), image.chainId(), true));
    return new SandboxInfo(sandboxId, 0, false, "", clock.instant());
  }

  @Override
  public SandboxInfo start(String sandboxId) {
    try (Rollback rollback = new Rollback()) {
      try {
        // pause writes nothing worth keeping: no stdio at all.
        List<ContainerRuntime.RootfsMount> rootfs = created.remove(sandboxId);
        int pid = runtime.createTask(sandboxId, rootfs != null ? rootfs : runtime.snapshotMounts(sandboxId), "");
        rollback.push("delete pause task", () -> {
          runtime.killTask(sandboxId, SIGKILL);
          runtime.waitTask(sandboxId, Duration.ofSeconds(10));
          runtime.deleteTask(sandboxId);
        });
        runtime.startTask(sandboxId);
        rollback.commit();
        return new SandboxInfo(sandboxId, pid, true, netnsPath(pid), clock.instant());
      } catch (RuntimeException e) {
        throw rollback.failed(e);
      }
    }
  }

  @Override
  public Platform platform(String sandboxId) {
    return new Platform("linux", System.getProperty("os.arch").equals("amd64") ? "amd64" : System.getProperty("os.arch"));
  }

  /**
   * SIGTERM is sent again at this pace until pause exits or the timeout passes. One that comes
   * right after start can reach the process while it is still runc's init, PID 1 of its PID
   * namespace without a handler, and the kernel drops it: pause would never see it.
   */
  private static final Duration TERM_RESEND_INTERVAL = Duration.ofMillis(100);

  @Override
  public void stop(String sandboxId, Duration timeout) {
    Optional<TaskInfo> task = runtime.task(sandboxId);
    if (task.isEmpty() || task.get().status() == TaskStatus.Stopped) {
      return;
    }
    Duration left = timeout;
    do {
      Duration slice = left.compareTo(TERM_RESEND_INTERVAL) < 0 ? left : TERM_RESEND_INTERVAL;
      runtime.killTask(sandboxId, SIGTERM);
      if (runtime.waitTask(sandboxId, slice).isPresent()) {
        return;
      }
      left = left.minus(slice);
    } while (left.compareTo(Duration.ZERO) > 0);
    runtime.killTask(sandboxId, SIGKILL);
    if (runtime.waitTask(sandboxId, Duration.ofSeconds(10)).isEmpty()) {
      throw SandboxdException.internal("pause task of sandbox " + sandboxId + " survived SIGKILL", null);
    }
  }

  @Override
  public Optional<Instant> waitExit(String sandboxId, Duration timeout) {
    return runtime.waitTask(sandboxId, timeout).map(ContainerRuntime.TaskExit::exitedAt);
  }

  @Override
  public SandboxInfo status(String sandboxId) {
    Optional<TaskInfo> task = runtime.task(sandboxId);
    boolean running = task.isPresent() && task.get().status() == TaskStatus.Running;
    int pid = running ? task.get().pid() : 0;
    return new SandboxInfo(sandboxId, pid, running, running ? netnsPath(pid) : "", clock.instant());
  }

  @Override
  public void shutdown(String sandboxId) {
    created.remove(sandboxId);
    Optional<TaskInfo> task = runtime.task(sandboxId);
    if (task.isPresent() && task.get().status() != TaskStatus.Stopped) {
      runtime.killTask(sandboxId, SIGKILL);
      runtime.waitTask(sandboxId, Duration.ofSeconds(10));
    }
    runtime.deleteTask(sandboxId);
    runtime.deleteContainer(sandboxId);
    runtime.removeSnapshot(sandboxId);
  }

  private static String netnsPath(int pid) {
    return Path.of("/proc", Integer.toString(pid), "ns", "net").toString();
  }
}
