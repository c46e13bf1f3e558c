package dev.sandboxd.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxd.containerlog.ContainerLogs;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.system.PrivateFiles;
import dev.sandboxd.image.ImageService;
import dev.sandboxd.container.ExecResult;
import dev.sandboxd.rollback.Rollback;
import dev.sandboxd.metrics.SandboxdMetrics;
import dev.sandboxd.metrics.SandboxdMetrics.Operation;
import dev.sandboxd.metrics.OperationTimer;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.TaskExit;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.seccomp.SeccompProfileRoot;
import dev.sandboxd.spec.ContainerSpecInputs;
import dev.sandboxd.spec.OciSpecs;
import dev.sandboxd.system.Fifos;
import dev.sandboxd.spec.ProcessPrivileges;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** App and init containers of a running sandbox: create + start, stop, remove, exec. */
public final class ContainerManager {
  /**
   * exec output beyond this, on either stream, fails the exec with ResourceExhausted: exec is
   * for commands, not for copying files, and its answer is one message.
   */
  static final int MAX_EXEC_OUTPUT_BYTES = 16 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private final ContainerRuntime runtime;
  private final ImageService images;
  private final Fifos fifos;
  private final ProcessPrivileges privileges;
  private final ExecutorService ioThreads;
  private final SandboxdMetrics metrics;
  private final SeccompProfileRoot seccompProfiles;
  private final ContainerLogs logs;

  /** Without a seccomp profile root: Localhost profiles are refused. */
  public ContainerManager(
      ContainerRuntime runtime, ImageService images, Fifos fifos, ProcessPrivileges privileges, ExecutorService ioThreads,
      SandboxdMetrics metrics, ContainerLogs logs) {
    this(runtime, images, fifos, privileges, ioThreads, metrics, new SeccompProfileRoot(Optional.empty()), logs);
  }

  public ContainerManager(
      ContainerRuntime runtime, ImageService images, Fifos fifos, ProcessPrivileges privileges, ExecutorService ioThreads,
      SandboxdMetrics metrics, SeccompProfileRoot seccompProfiles, ContainerLogs logs) {
    this.seccompProfiles = seccompProfiles;
    this.metrics = metrics;
    this.logs = logs;
    this.runtime = runtime;
    this.images = images;
    this.fifos = fifos;
    this.privileges = privileges;
    this.ioThreads = ioThreads;
  }

  /** Creates and starts the container; returns its pid. On failure nothing of it remains. */
  public int createAndStart(ContainerLaunch launch) {
    ImageService.ResolvedImage image = images.resolve(launch.container().image());
    String id = launch.containerId();
    byte[] spec = OciSpecs.forContainer(new ContainerSpecInputs(
            launch.pod(),
            launch.container(),
            image.config(),
            launch.sandboxId(),
            launch.pausePid(),
            launch.cgroupPath(),
            launch.volumeBinds(),
            launch.pod().hostname(),
            launch.etcFiles(),
            privileges.boundingCapabilities(),
            privileges.oomScoreAdjFor(launch.resources().oomScoreAdj()),
            launch.resources().limits(),
            LocalhostSeccomp.forContainer(seccompProfiles, launch.pod(), launch.container())))
        .toJson();
    Map<String, String> labels = Map.of(
        Labels.POD, launch.pod().fullName(),
        Labels.POD_UID, launch.pod().metadata().uid(),
        Labels.ROLE, launch.role(),
        Labels.SANDBOX_ID, launch.sandboxId(),
        Labels.CONTAINER_NAME, launch.container().name());
    try (Rollback rollback = new Rollback()) {
      OperationTimer timer = new OperationTimer(metrics, Operation.CONTAINER_CREATE);
      try {
        List<ContainerRuntime.RootfsMount> rootfs =
            runtime.createContainer(new ContainerRuntime.ContainerCreate(id, image.name(), labels, spec, id), image.chainId(), false);
        rollback.push("delete container and snapshot", () -> {
          runtime.deleteContainer(id);
          runtime.removeSnapshot(id);
        });
        int pid = runtime.createTask(id, rootfs, logs.prepare(launch.logPath()));
        rollback.push("delete task", () -> killAndDelete(id));
        timer.succeeded();
        timer = new OperationTimer(metrics, Operation.CONTAINER_START);
        runtime.startTask(id);
        timer.succeeded();
        rollback.commit();
        return pid;
      } catch (RuntimeException e) {
        timer.failed();
        throw rollback.failed(e);
      }
    }
  }

  /**
   * Stops the container: the stop signal, up to grace for it to exit, then SIGKILL. Returns the
   * exit, or empty when the container had no running task.
   */
  public Optional<TaskExit> stop(String containerId, int stopSignal, Duration grace) {
    return OperationTimer.time(metrics, Operation.CONTAINER_STOP, () -> stopTask(containerId, stopSignal, grace));
  }

  private Optional<TaskExit> stopTask(String containerId, int stopSignal, Duration grace) {
    Optional<TaskInfo> task = runtime.task(containerId);
    if (task.isEmpty()) {
      return Optional.empty();
    }
    if (task.get().status() == TaskStatus.Stopped) {
      return Optional.of(new TaskExit(task.get().exitCode(), task.get().exitedAt().orElseThrow()));
    }
    if (!grace.isZero()) {
      runtime.killTask(containerId, stopSignal);
      Optional<TaskExit> exit = runtime.waitTask(containerId, grace);
      if (exit.isPresent()) {
        return exit;
      }
    }
    runtime.killTask(containerId, Signals.SIGKILL);
    return Optional.of(runtime.waitTask(containerId, KILL_WAIT).orElseThrow(
        () -> SandboxdException.internal("container " + containerId + " survived SIGKILL", null)));
  }

  /** Deletes the container's task, container and snapshot. Idempotent. */
  public void remove(String containerId) {
    killAndDelete(containerId);
    runtime.deleteContainer(containerId);
    runtime.removeSnapshot(containerId);
  }

  /**
   * The stop signal the container's image asks for, SIGTERM when it names none; fails with
   * NotFound (saying how to import it) unless the image is in containerd's store.
   */
  public int stopSignal(String image) {
    return images.resolve(image).config().stopSignal().map(Signals::parse).orElse(Signals.SIGTERM);
  }

  /** The task's state as containerd has it (recovery and reconciles; the hot paths keep their own). */
  public Optional<TaskInfo> task(String containerId) {
    return runtime.task(containerId);
  }

  /** A container sandboxd made, with the pod it was made for. */
  public record PodContainer(String id, String podUid) {}

  /** Every container sandboxd made in its containerd namespace, pause containers too. */
  public List<PodContainer> sandboxdContainers() {
    return runtime.listContainers(Map.of()).stream()
        .filter(c -> c.labels().containsKey(Labels.POD_UID))
        .map(c -> new PodContainer(c.id(), c.labels().get(Labels.POD_UID)))
        .toList();
  }

  /** The ids of every container (pause included) labelled as the pod's. */
  public List<String> containersOfPod(String podUid) {
    return runtime.listContainers(Map.of(Labels.POD_UID, podUid)).stream().map(ContainerRuntime.ContainerInfo::id).toList();
  }

  /**
   * Runs a command in the container's running task, with the container's own process settings
   * (user, env, cwd, capabilities), collecting stdout and stderr through fifos.
   */
  public ExecResult exec(String containerId, Path execDir, List<String> command, Optional<Duration> timeout) {
    Optional<TaskInfo> task = runtime.task(containerId);
    if (task.isEmpty() || task.get().status() != TaskStatus.Running) {
      throw SandboxdException.failedPrecondition("container %s is not running", containerId);
    }
    String execId = "exec-" + UUID.randomUUID().toString().substring(0, 12);
    Path stdout = execDir.resolve(execId + ".out");
    Path stderr = execDir.resolve(execId + ".err");
    try {
      PrivateFiles.directories(execDir);
      fifos.create(stdout);
      fifos.create(stderr);
      // Readers first: the shim opens the write ends when the process starts.
      CompletableFuture<ExecOutput> out = CompletableFuture.supplyAsync(() -> drain("stdout", stdout), ioThreads);
      CompletableFuture<ExecOutput> err = CompletableFuture.supplyAsync(() -> drain("stderr", stderr), ioThreads);
      byte[] process = execProcess(runtime.containerSpec(containerId), command, Optional.empty());
      Optional<TaskExit> exit;
      try {
        exit = runtime.exec(new ContainerRuntime.ExecProcess(containerId, execId, process, "", stdout.toString(), stderr.toString(), false),
            timeout.orElse(Duration.ofDays(365)));
      } catch (RuntimeException e) {
        unblock(stdout);
        unblock(stderr);
        throw e;
      }
      if (exit.isEmpty()) {
        throw SandboxdException.deadlineExceeded(
            "exec in " + containerId + " did not finish within " + timeout.orElseThrow().toSeconds() + " s and was killed", null);
      }
      int exitCode = exit.get().exitCode();
      return new ExecResult(collect(out).whole(containerId, MAX_EXEC_OUTPUT_BYTES, exitCode),
          collect(err).whole(containerId, MAX_EXEC_OUTPUT_BYTES, exitCode), exitCode);
    } catch (IOException e) {
      throw SandboxdException.internal("exec in " + containerId + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(stdout);
      deleteQuietly(stderr);
    }
  }

  private void killAndDelete(String containerId) {
    Optional<TaskInfo> task = runtime.task(containerId);
    if (task.isEmpty()) {
      return;
    }
    if (task.get().status() != TaskStatus.Stopped) {
      runtime.killTask(containerId, Signals.SIGKILL);
      runtime.waitTask(containerId, KILL_WAIT);
    }
    runtime.deleteTask(containerId);
  }

  /**
   * The exec's OCI process: the container's process (user, env, cwd, capabilities, ...: nothing
   * of sandboxd's) with the new args, under a terminal of the given width and height or none.
   */
  static byte[] execProcess(byte[] containerSpecJson, List<String> command, Optional<int[]> terminalSize) throws IOException {
    ObjectNode spec = (ObjectNode) JSON.readTree(containerSpecJson);
    ObjectNode process = (ObjectNode) spec.get("process");
    if (process == null) {
      throw new IOException("the container's spec has no process");
    }
    ArrayNode args = process.putArray("args");
    command.forEach(args::add);
    process.put("terminal", terminalSize.isPresent());
    process.remove("consoleSize");
    terminalSize.ifPresent(size -> process.putObject("consoleSize").put("width", size[0]).put("height", size[1]));
    return JSON.writeValueAsBytes(process);
  }

  /**
   * Starts a command in the container's running task with its stdio held by the caller (see
   * {@link AttachedProcess}); close the result when done.
   */
  public AttachedProcess attach(String containerId, Path execDir, AttachedExecSpec exec) {
    Optional<TaskInfo> task = runtime.task(containerId);
    if (task.isEmpty() || task.get().status() != TaskStatus.Running) {
      throw SandboxdException.failedPrecondition("container %s is not running", containerId);
    }
    String execId = "exec-" + UUID.randomUUID().toString().substring(0, 12);
    Optional<Path> stdinFifo = exec.stdin() ? Optional.of(execDir.resolve(execId + ".in")) : Optional.empty();
    Path stdoutFifo = execDir.resolve(execId + ".out");
    Optional<Path> stderrFifo = exec.tty() ? Optional.empty() : Optional.of(execDir.resolve(execId + ".err"));
    Optional<OutputStream> stdin = Optional.empty();
    AttachedProcess.Output stdout = null;
    Optional<AttachedProcess.Output> stderr = Optional.empty();
    try {
      PrivateFiles.directories(execDir);
      for (Path fifo : concat(stdinFifo, stdoutFifo, stderrFifo)) {
        fifos.create(fifo);
      }
      // Read and write: open(2) of a fifo for writing alone would wait for the shim to read.
      if (stdinFifo.isPresent()) {
        stdin = Optional.of(Channels.newOutputStream(
            FileChannel.open(stdinFifo.get(), StandardOpenOption.READ, StandardOpenOption.WRITE)));
      }
      stdout = new AttachedProcess.Output(stdoutFifo, openForReading(stdoutFifo));
      stderr = stderrFifo.map(f -> new AttachedProcess.Output(f, openForReading(f)));
      byte[] process = execProcess(runtime.containerSpec(containerId), exec.command(),
          exec.tty() ? Optional.of(new int[] {exec.width(), exec.height()}) : Optional.empty());
      AttachedProcess attached = new AttachedProcess(runtime, containerId, execId, stdinFifo, stdin, stdout, stderr);
      try {
        runtime.startExec(new ContainerRuntime.ExecProcess(containerId, execId, process,
            stdinFifo.map(Path::toString).orElse(""), stdoutFifo.toString(), stderrFifo.map(Path::toString).orElse(""), exec.tty()));
      } catch (RuntimeException e) {
        attached.close();
        throw e;
      }
      return attached;
    } catch (IOException e) {
      if (stdout != null) {
        new AttachedProcess(runtime, containerId, execId, stdinFifo, stdin, stdout, stderr).close();
      }
      throw SandboxdException.internal("exec in " + containerId + ": " + e.getMessage(), e);
    }
  }

  private CompletableFuture<InputStream> openForReading(Path fifo) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return Files.newInputStream(fifo);
      } catch (IOException e) {
        throw new IllegalStateException("opening " + fifo + ": " + e.getMessage(), e);
      }
    }, ioThreads);
  }

  private static List<Path> concat(Optional<Path> first, Path second, Optional<Path> third) {
    List<Path> all = new ArrayList<>();
    first.ifPresent(all::add);
    all.add(second);
    third.ifPresent(all::add);
    return all;
  }

  private static ExecOutput drain(String stream, Path fifo) {
    try (InputStream in = Files.newInputStream(fifo)) {
      return ExecOutput.read(stream, in, MAX_EXEC_OUTPUT_BYTES);
    } catch (IOException e) {
      throw new IllegalStateException("reading " + fifo + ": " + e.getMessage(), e);
    }
  }

  /** A reader blocked in open() waits for a writer that will never come: be that writer. */
  static void unblock(Path fifo) {
    try {
      Files.newOutputStream(fifo).close();
    } catch (IOException ignored) {
      // The reader is gone already.
    }
  }

  private static ExecOutput collect(CompletableFuture<ExecOutput> output) {
    try {
      return output.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SandboxdException.internal("interrupted while reading exec output", e);
    } catch (ExecutionException | TimeoutException e) {
      throw SandboxdException.internal("reading exec output: " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // Removed with the pod's directory at the latest.
    }
  }
}
