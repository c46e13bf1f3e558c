package dev.sandboxd.cri;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.rollback.Rollback;
import dev.sandboxd.system.FileTrees;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import runtime.v1.Api.Container;
import runtime.v1.Api.ContainerConfig;
import runtime.v1.Api.ContainerFilter;
import runtime.v1.Api.ContainerState;
import runtime.v1.Api.ContainerStatus;
import runtime.v1.Api.ContainerStatusRequest;
import runtime.v1.Api.CreateContainerRequest;
import runtime.v1.Api.ExecSyncRequest;
import runtime.v1.Api.ExecSyncResponse;
import runtime.v1.Api.ListContainersRequest;
import runtime.v1.Api.ListPodSandboxRequest;
import runtime.v1.Api.PodSandbox;
import runtime.v1.Api.PodSandboxMetadata;
import runtime.v1.Api.RemovePodSandboxRequest;
import runtime.v1.Api.RunPodSandboxRequest;
import runtime.v1.Api.StartContainerRequest;
import runtime.v1.Api.StopPodSandboxRequest;
import runtime.v1.Api.VersionRequest;
import runtime.v1.RuntimeServiceGrpc;
import runtime.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;

/**
 * Runs, finds, execs into and removes pods through containerd's CRI RuntimeService, making the
 * calls in kubelet's order. Every call has its own deadline.
 */
public final class CriPods {
  /** A pod given by sandbox id needs this many characters of it, as sandboxctl's own POD refs. */
  static final int MIN_ID_PREFIX = 6;
  private static final Duration POLL = Duration.ofMillis(100);

  private final Channel channel;
  private final Duration callTimeout;
  private final Path podRoot;

  /** @param podRoot where each pod's log directory and emptyDir volumes are made ({@link CriPodFiles}) */
  public CriPods(Channel channel, Duration callTimeout, Path podRoot) {
    this.channel = channel;
    this.callTimeout = callTimeout;
    this.podRoot = podRoot;
  }

  public Path podRoot() {
    return podRoot;
  }

  private RuntimeServiceBlockingStub cri() {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits until CRI answers Version: it says "server is not initialized yet" while containerd starts. */
  public String awaitReady(Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      try {
        var version = cri().version(VersionRequest.getDefaultInstance());
        return version.getRuntimeName() + " " + version.getRuntimeVersion();
      } catch (StatusRuntimeException e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
        Thread.sleep(POLL.toMillis());
      }
    }
  }

  /**
   * RunPodSandbox with the runtime handler, then each init container to a successful end, then
   * every app container created and started. A failure removes the sandbox (and so its
   * containers) and the pod's directory: nothing is left half made.
   *
   * @return the sandbox id
   */
  public String run(CriPodPlan plan, String handler, Duration initTimeout) throws IOException, InterruptedException {
    var meta = plan.sandbox().getMetadata();
    CriPodFiles files = CriPodFiles.of(podRoot, meta.getNamespace(), meta.getName(), meta.getUid());
    try (Rollback rollback = new Rollback()) {
      try {
        Files.createDirectories(files.logDirectory());
        rollback.push("remove " + files.dir(), () -> FileTrees.deleteRecursively(files.dir()));
        // What containers write (logs, emptyDirs) is the pod's: other users of the node may not read it.
        Files.setPosixFilePermissions(files.dir(), PosixFilePermissions.fromString("rwx------"));
        for (ContainerConfig c : Stream.concat(plan.initContainers().stream(), plan.containers().stream()).toList()) {
          Files.createDirectories(files.logDirectory().resolve(c.getMetadata().getName()));
          for (var mount : c.getMountsList()) {
            if (Path.of(mount.getHostPath()).startsWith(files.dir())) {
              // an emptyDir: 0777 as kubelet makes them, so a container of any user can write its own
              Files.setPosixFilePermissions(Files.createDirectories(Path.of(mount.getHostPath())),
                  PosixFilePermissions.fromString("rwxrwxrwx"));
            }
          }
        }
        String id = cri().runPodSandbox(RunPodSandboxRequest.newBuilder()
            .setConfig(plan.sandbox()).setRuntimeHandler(handler).build()).getPodSandboxId();
        rollback.push("remove sandbox " + id, () -> removeSandbox(id));
        for (ContainerConfig c : plan.initContainers()) {
          String container = start(id, plan, c);
          awaitSuccess(container, c.getMetadata().getName(), initTimeout);
        }
        for (ContainerConfig c : plan.containers()) {
          start(id, plan, c);
        }
        rollback.commit();
        return id;
      } catch (RuntimeException e) {
        throw rollback.failed(e);
      } catch (IOException e) {
        throw rollback.failed(e);
      } catch (InterruptedException e) {
        throw rollback.failed(e);
      }
    }
  }

  private String start(String podId, CriPodPlan plan, ContainerConfig c) {
    String id = cri().createContainer(CreateContainerRequest.newBuilder()
        .setPodSandboxId(podId).setConfig(c).setSandboxConfig(plan.sandbox()).build()).getContainerId();
    cri().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  private void awaitSuccess(String id, String name, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    ContainerStatus status = status(id);
    while (status.getState() != ContainerState.CONTAINER_EXITED) {
      if (Instant.now().isAfter(deadline)) {
        throw SandboxdException.deadlineExceeded("init container " + name + " still runs after " + timeout.toSeconds() + " s", null);
      }
      Thread.sleep(POLL.toMillis());
      status = status(id);
    }
    if (status.getExitCode() != 0) {
      throw SandboxdException.failedPrecondition("init container %s exited with %d (%s)", name, status.getExitCode(), status.getReason());
    }
  }

  public ContainerStatus status(String containerId) {
    return cri().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build()).getStatus();
  }

  /** Every pod sandbox, oldest first. */
  public List<PodSandbox> list() {
    return cri().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
        .sorted(Comparator.comparingLong(PodSandbox::getCreatedAt)).toList();
  }

  public List<Container> containers(String podId) {
    return cri().listContainers(ListContainersRequest.newBuilder()
        .setFilter(ContainerFilter.newBuilder().setPodSandboxId(podId)).build()).getContainersList();
  }

  /**
   * A pod by "name" (namespace default), "namespace/name" or a sandbox id prefix of at least 6
   * characters; the newest sandbox of that name when there are several (kubelet's attempts).
   */
  public PodSandbox find(String ref) {
    List<PodSandbox> pods = list();
    String namespace = ref.contains("/") ? ref.substring(0, ref.indexOf('/')) : "default";
    String name = ref.substring(ref.indexOf('/') + 1);
    List<PodSandbox> byName = pods.stream()
        .filter(p -> p.getMetadata().getName().equals(name) && p.getMetadata().getNamespace().equals(namespace)).toList();
    if (!byName.isEmpty()) {
      return byName.get(byName.size() - 1);
    }
    List<PodSandbox> byId = ref.length() < MIN_ID_PREFIX
        ? List.of() : pods.stream().filter(p -> p.getId().startsWith(ref)).toList();
    if (byId.size() > 1) {
      throw SandboxdException.invalidArgument("pod %s: the id prefix matches %d sandboxes", ref, byId.size());
    }
    return byId.stream().findFirst().orElseThrow(() -> SandboxdException.notFound("pod %s: no such CRI pod", ref));
  }

  /** The newest container of that name in the pod. */
  public Container container(PodSandbox pod, String name) {
    return containers(pod.getId()).stream()
        .filter(c -> c.getMetadata().getName().equals(name))
        .max(Comparator.comparingLong(Container::getCreatedAt))
        .orElseThrow(() -> SandboxdException.notFound("pod %s has no container %s", describe(pod.getMetadata()), name));
  }

  public ExecSyncResponse exec(String containerId, List<String> command, long timeoutSeconds) {
    // ExecSync's own timeout bounds the command; the call's deadline must outlast it
    var stub = timeoutSeconds > 0
        ? RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutSeconds + callTimeout.toSeconds(), TimeUnit.SECONDS)
        : RuntimeServiceGrpc.newBlockingStub(channel);
    return stub.execSync(ExecSyncRequest.newBuilder()
        .setContainerId(containerId).addAllCmd(command).setTimeout(timeoutSeconds).build());
  }

  /** StopPodSandbox (CRI stops the containers first) and RemovePodSandbox, then the pod's directory. */
  public void remove(PodSandbox pod) throws IOException {
    removeSandbox(pod.getId());
    PodSandboxMetadata meta = pod.getMetadata();
    FileTrees.deleteRecursively(CriPodFiles.of(podRoot, meta.getNamespace(), meta.getName(), meta.getUid()).dir());
  }

  private void removeSandbox(String id) {
    try {
      cri().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    } catch (StatusRuntimeException e) {
      // Stop and Remove are idempotent in CRI; a sandbox already gone is what we want
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
    }
    cri().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  static String describe(PodSandboxMetadata meta) {
    return meta.getNamespace() + "/" + meta.getName();
  }
}
