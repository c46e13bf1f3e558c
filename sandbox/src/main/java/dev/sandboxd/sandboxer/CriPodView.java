package dev.sandboxd.sandboxer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.cgroup.CgroupUsage;
import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.ContainerInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.sandbox.SandboxController;
import dev.sandboxd.sandboxer.CriSandboxes.Status;
import dev.sandboxd.spec.CriAnnotations;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The CRI pods sandboxd serves, as `sandboxctl ps`, `inspect` and `stats` show them beside
 * sandboxd's own: the list from the sandbox records in memory, the containers CRI created in a
 * pod read from containerd (only for inspect) within a short deadline, so a slow containerd
 * makes them unknown instead of failing the answer.
 */
public final class CriPodView {
  private static final Logger LOG = System.getLogger("dev.sandboxd.sandboxer");
  /** kubelet's label naming a CRI container, and CRI's own mark of a container (not a sandbox). */
  static final String CONTAINER_NAME_LABEL = "io.kubernetes.container.name";
  static final String KIND_LABEL = "io.cri-containerd.kind";

  /** A container CRI created in the pod; task empty when it has none or containerd did not answer in time. */
  public record CriContainer(String id, String name, String image, Optional<TaskInfo> task) {}

  /** A pod with its containers; containersKnown is false when containerd did not answer in time. */
  public record Inspected(Status pod, List<CriContainer> containers, boolean containersKnown) {}

  /** The pod cgroup's usage. */
  public record Usage(CriPodSandbox pod, String cgroupPath, CgroupUsage usage) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final CriSandboxes sandboxes;
  private final ContainerRuntime runtime;
  private final Duration deadline;
  private final Executor reads;

  /**
   * @param runtime containerd in CRI's namespace
   * @param reads runs the containerd reads, so that the caller can stop waiting for them
   */
  public CriPodView(CriSandboxes sandboxes, ContainerRuntime runtime, Duration deadline, Executor reads) {
    this.sandboxes = sandboxes;
    this.runtime = runtime;
    this.deadline = deadline;
    this.reads = reads;
  }

  /** From memory. */
  public List<Status> list() {
    return sandboxes.list();
  }

  /** How many pods in each sandbox state, every state present (the metrics' gauge). */
  public Map<String, Long> countByState() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (SandboxController.State state : SandboxController.State.values()) {
      out.put(state.name(), 0L);
    }
    sandboxes.list().forEach(s -> out.merge(s.sandbox().state().name(), 1L, Long::sum));
    return out;
  }

  /** The pod a ref names (sandbox id, name, namespace/name), as `sandboxctl inspect` resolves its own. */
  public Optional<Status> find(String ref) {
    return find(sandboxes.list(), ref);
  }

  static Optional<Status> find(List<Status> all, String ref) {
    return all.stream().filter(s -> matches(s.pod(), ref)).min(Comparator.comparing(s -> s.pod().id()));
  }

  static boolean matches(CriPodSandbox pod, String ref) {
    return ref.equals(pod.id()) || ref.equals(pod.podName()) || ref.equals(pod.podNamespace() + "/" + pod.podName());
  }

  /** The pod and the containers CRI created in it, read from containerd within the deadline. */
  public Optional<Inspected> inspect(String ref) {
    return find(ref).map(status -> {
      CompletableFuture<List<CriContainer>> read = CompletableFuture.supplyAsync(() -> containers(status.pod()), reads);
      try {
        return new Inspected(status, read.get(deadline.toMillis(), TimeUnit.MILLISECONDS), true);
      } catch (TimeoutException | ExecutionException e) {
        read.cancel(true);
        LOG.log(Level.WARNING, "containers of CRI pod {0} unknown: {1}", status.pod().id(), e.toString());
        return new Inspected(status, List.of(), false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Inspected(status, List.of(), false);
      }
    });
  }

  /** Usage of every CRI pod's cgroup, or of the one ref names (none when it names no CRI pod). */
  public List<Usage> stats(Optional<String> ref) {
    List<Status> all = sandboxes.list();
    List<Status> chosen = ref.map(r -> find(all, r).stream().toList()).orElse(all);
    List<Usage> out = new ArrayList<>();
    for (Status s : chosen) {
      out.add(new Usage(s.pod(), CriSandboxes.podCgroup(s.pod()), sandboxes.usage(s.pod().id())));
    }
    return out;
  }

  /**
   * CRI's containers of the pod, with their tasks: containerd files each under its sandbox (kubelet's
   * pod labels are the caller's to set, CRI clients other than kubelet may leave them out).
   */
  List<CriContainer> containers(CriPodSandbox pod) {
    List<CriContainer> out = new ArrayList<>();
    for (ContainerInfo c : runtime.listContainers(Map.of(KIND_LABEL, "container"))) {
      if (!c.sandboxId().equals(pod.id())) {
        continue;
      }
      String name = c.labels().containsKey(CONTAINER_NAME_LABEL) ? c.labels().get(CONTAINER_NAME_LABEL) : specName(c.id());
      out.add(new CriContainer(c.id(), name, c.image(),
          runtime.task(c.id())));
    }
    out.sort(Comparator.comparing(CriContainer::name));
    return out;
  }

  /** The name CRI writes into every container's OCI spec; the id when the spec does not read. */
  private String specName(String containerId) {
    try {
      String name = JSON.readTree(runtime.containerSpec(containerId)).path("annotations").path(CriAnnotations.CONTAINER_NAME).asText();
      return name.isEmpty() ? containerId : name;
    } catch (IOException e) {
      return containerId;
    }
  }
}
