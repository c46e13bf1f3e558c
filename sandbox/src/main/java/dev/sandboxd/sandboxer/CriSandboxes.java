package dev.sandboxd.sandboxer;

import com.google.protobuf.Any;
import dev.sandboxd.cgroup.CgroupUsage;
import dev.sandboxd.cgroup.PodCgroups;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.rollback.Rollback;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.sandbox.SandboxController;
import dev.sandboxd.sandbox.SandboxController.Platform;
import dev.sandboxd.sandbox.SandboxController.Sandbox;
import dev.sandboxd.sandbox.SandboxController.SandboxExit;
import dev.sandboxd.sandbox.SandboxSpec;
import dev.sandboxd.sandboxer.CriSandboxRecords.CriSandboxRecord;
import dev.sandboxd.sandboxer.ShimEndpoints.Endpoint;
import dev.sandboxd.seccomp.SeccompProfileRoot;
import dev.sandboxd.spec.OciSpec;
import dev.sandboxd.spec.RuntimeDefaultSeccomp;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The sandboxes containerd's CRI asks sandboxd for, over the same sandbox seam sandboxd's own
 * pods use: a pause task in containerd's CRI namespace, started in CRI's network namespace.
 * Around the seam it keeps a record per sandbox (so status and wait outlive a sandboxd restart),
 * the pod files CRI mounts into containers, and the pod shim's endpoint. containerd 2.1 never
 * calls Shutdown after a failed Create or Start, so a failure here removes everything it made.
 */
public final class CriSandboxes {
  private static final Logger LOG = System.getLogger("dev.sandboxd.sandboxer");
  /** Marks the pause containers of CRI pods (their origin in `sandboxctl ps`). */
  public static final String SOURCE_LABEL = "sandboxd.source";
  public static final String SOURCE_CRI = "cri";

  private final String namespace;
  private final SandboxController sandboxes;
  private final CriSandboxRecords records;
  private final CriPodFiles files;
  private final ShimEndpoints endpoints;
  private final SeccompProfileRoot seccompProfiles;
  private final PodCgroups cgroups;
  private final Clock clock;
  private final Executor fileWrites;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** A sandbox sandboxd serves: its record and, once started, its shim's endpoint. */
  private record Known(CriSandboxRecord record, Optional<Endpoint> endpoint) {}

  /** What Status answers. */
  public record Status(Sandbox sandbox, CriPodSandbox pod, Optional<Endpoint> endpoint) {}

  /** What Start answers. */
  public record Started(Sandbox sandbox, Optional<Endpoint> endpoint) {}

  /**
   * @param namespace containerd's namespace of CRI's objects (k8s.io), in which the pause tasks
   *     live: the pod's containers, created by CRI in that namespace, share their shim
   * @param seccompProfiles where a pause's Localhost seccomp profile must be
   * @param fileWrites where a Create writes the record and pod files while it calls containerd
   */
  public CriSandboxes(String namespace, SandboxController sandboxes, CriSandboxRecords records, CriPodFiles files,
      ShimEndpoints endpoints, SeccompProfileRoot seccompProfiles, PodCgroups cgroups, Clock clock, Executor fileWrites) {
    this.namespace = namespace;
    this.sandboxes = sandboxes;
    this.records = records;
    this.files = files;
    this.endpoints = endpoints;
    this.seccompProfiles = seccompProfiles;
    this.cgroups = cgroups;
    this.clock = clock;
    this.fileWrites = fileWrites;
  }

  public String namespace() {
    return namespace;
  }

  /** Create: the record, the pod files and the pause container (no task yet). */
  public void create(String sandboxId, String netnsPath, Any options) {
    CriSandboxConfigs.Request request = CriSandboxConfigs.parse(sandboxId, netnsPath, options);
    CriPodSandbox pod = request.pod();
    Optional<OciSpec.Seccomp> seccomp = pauseSeccomp(request.pauseSeccomp());
    synchronized (lock(sandboxId)) {
      if (known.containsKey(sandboxId)) {
        throw SandboxdException.alreadyExists("sandbox %s exists already", sandboxId);
      }
      CriSandboxRecord record = new CriSandboxRecord(pod, clock.instant());
      // The record and the pod files are written while containerd makes the pause container: the
      // two share nothing, and the round trips to containerd are most of a Create.
      CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
        records.save(record);
        files.ensure(pod);
      }, fileWrites);
      try (Rollback rollback = new Rollback()) {
        try {
          rollback.push("delete record", () -> records.delete(sandboxId));
          rollback.push("remove pod files", () -> files.remove(sandboxId)); // also what a failed ensure wrote
          AtomicBoolean writeFailureThrown = new AtomicBoolean();
          rollback.push("write the record and pod files", () -> { // waits: they are undone right after
            try {
              written.join();
            } catch (CompletionException e) {
              if (!writeFailureThrown.get()) {
                throw e; // reported with the pause container's failure
              }
            }
          });
          sandboxes.create(spec(pod, seccomp));
          rollback.push("remove pause container", () -> sandboxes.shutdown(sandboxId));
          writeFailureThrown.set(true);
          joinUnwrapped(written);
          rollback.commit();
          known.put(sandboxId, new Known(record, Optional.empty()));
        } catch (RuntimeException e) {
          throw rollback.failed(e);
        }
      }
    }
  }

  /** Start: the pause task; on failure everything of the sandbox is removed. */
  public Started start(String sandboxId) {
    synchronized (lock(sandboxId)) {
      Known k = require(sandboxId);
      try {
        Sandbox sandbox = sandboxes.start(sandboxId);
        Optional<Endpoint> endpoint = endpoints.of(namespace, sandboxId);
        known.put(sandboxId, new Known(k.record(), endpoint));
        return new Started(sandbox, endpoint);
      } catch (RuntimeException e) {
        removeAll(sandboxId, e);
        throw e;
      }
    }
  }

  public Platform platform(String sandboxId) {
    require(sandboxId);
    return sandboxes.platform(sandboxId);
  }

  /**
   * Stops the pause task. CRI sends no timeout (0) and may stop twice; an unknown sandbox is
   * stopped already.
   */
  public void stop(String sandboxId, Duration timeout) {
    synchronized (lock(sandboxId)) {
      if (!known.containsKey(sandboxId)) {
        return;
      }
      sandboxes.stop(sandboxId, timeout);
    }
  }

  /** Completes when the pause task exits or the sandbox is shut down. */
  public CompletableFuture<SandboxExit> waitExit(String sandboxId) {
    require(sandboxId);
    return sandboxes.waitExit(sandboxId);
  }

  /**
   * From memory; the pod files are written again when containerd deleted them (it does at every
   * restart, and CreateContainer asks for status before it looks for them).
   */
  public Status status(String sandboxId) {
    Known k = require(sandboxId);
    Sandbox sandbox = sandboxes.status(sandboxId);
    if (sandbox.ready() && !files.present(k.record().pod())) {
      // Under the sandbox's lock, and only while it is still known: a Shutdown that just removed
      // the files must not see them (and a tmpfs) come back behind it.
      synchronized (lock(sandboxId)) {
        if (known.containsKey(sandboxId)) {
          files.ensure(k.record().pod());
        }
      }
    }
    return new Status(sandbox, k.record().pod(), k.endpoint());
  }

  /** Deletes everything of the sandbox. Idempotent: an unknown sandbox is shut down already. */
  public void shutdown(String sandboxId) {
    CriSandboxConfigs.checkSandboxId(sandboxId);
    synchronized (lock(sandboxId)) {
      sandboxes.shutdown(sandboxId);
      files.remove(sandboxId);
      records.delete(sandboxId);
      known.remove(sandboxId);
    }
    locks.remove(sandboxId);
  }

  /** The pod cgroup's usage (kubelet's cgroup_parent; the pause task's own without one). */
  public CgroupUsage usage(String sandboxId) {
    return cgroups.usage(podCgroup(require(sandboxId).record().pod()));
  }

  /** The pod's cgroup: kubelet's cgroup_parent, or the pause task's own without one. */
  public static String podCgroup(CriPodSandbox pod) {
    return pod.cgroupParent().isEmpty() ? "/" + pod.id() : pod.cgroupParent();
  }

  /** Every sandbox sandboxd serves (one shut down meanwhile is left out), for one view with its own pods. */
  public List<Status> list() {
    List<Status> out = new ArrayList<>();
    for (Map.Entry<String, Known> e : known.entrySet()) {
      try {
        out.add(new Status(sandboxes.status(e.getKey()), e.getValue().record().pod(), e.getValue().endpoint()));
      } catch (SandboxdException.NotFound gone) {
        // shut down between the two reads
      }
    }
    return out;
  }

  /**
   * Start-up: takes up the recorded sandboxes that containerd's sandbox store still holds
   * (their state read from containerd once) and removes the others with everything they left,
   * as containerd 2.1 will never shut them down.
   */
  public void recover(Collection<String> storeIds, Collection<String> pauseContainerIds) {
    Set<String> inStore = Set.copyOf(storeIds);
    for (CriSandboxRecord record : records.list()) {
      String id = record.pod().id();
      if (!inStore.contains(id)) {
        LOG.log(Level.INFO, "CRI sandbox {0} is no longer in containerd''s sandbox store: removing it", id);
        removeAll(id, null);
        continue;
      }
      sandboxes.adopt(id, record.createdAt());
      known.put(id, new Known(record, endpoints.of(namespace, id)));
    }
    Set<String> recorded = Set.copyOf(records.ids()); // an unreadable record keeps its pause for the operator
    for (String id : pauseContainerIds) {
      if (!known.containsKey(id) && !recorded.contains(id)) {
        LOG.log(Level.INFO, "pause container {0} has no CRI sandbox record: removing it", id);
        removeAll(id, null);
      }
    }
  }

  /** Labels that find this sandboxer's pause containers in containerd. */
  public static Map<String, String> pauseLabels() {
    return Map.of(SOURCE_LABEL, SOURCE_CRI, Labels.ROLE, Labels.ROLE_PAUSE);
  }

  private void removeAll(String sandboxId, RuntimeException cause) {
    try {
      shutdown(sandboxId);
    } catch (RuntimeException undo) {
      if (cause != null) {
        cause.addSuppressed(undo);
      } else {
        LOG.log(Level.WARNING, "removing CRI sandbox " + sandboxId, undo);
      }
    }
  }

  static SandboxSpec spec(CriPodSandbox pod, Optional<OciSpec.Seccomp> seccomp) {
    return new SandboxSpec(pod.id(), new SandboxSpec.PodIdentity(pod.podNamespace(), pod.podName(), pod.podUid()),
        pod.hostname(), pod.pauseCgroupsPath(),
        pod.netnsPath().isEmpty() ? Optional.empty() : Optional.of(pod.netnsPath()),
        Map.of(SOURCE_LABEL, SOURCE_CRI), pod.hostNamespaces(), pod.sysctls(), seccomp);
  }

  /** The pause's filter: a Localhost profile is read here, before anything of the sandbox exists. */
  private Optional<OciSpec.Seccomp> pauseSeccomp(PauseSeccomp profile) {
    return switch (profile.type()) {
      case Unconfined -> Optional.empty();
      case RuntimeDefault -> Optional.of(RuntimeDefaultSeccomp.forPause());
      case Localhost -> Optional.of(seccompProfiles.load(profile.field(), profile.localhostRef()));
    };
  }

  /** Waits for the step and throws what it threw, as if it had run on this thread. */
  private static void joinUnwrapped(CompletableFuture<Void> step) {
    try {
      step.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  private Known require(String sandboxId) {
    CriSandboxConfigs.checkSandboxId(sandboxId);
    Known k = known.get(sandboxId);
    if (k == null) {
      throw SandboxdException.notFound("sandbox %s not found", sandboxId);
    }
    return k;
  }

  private Object lock(String sandboxId) {
    return locks.computeIfAbsent(sandboxId, id -> new Object());
  }
}
