package dev.sandboxd.metrics;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What sandboxd tells its meters. The domain calls this and never touches a meter itself, so the
 * metric names, labels and buckets live in one place ({@link SandboxdMeters}). Label values must
 * come from bounded sets: operation and reason names, gRPC codes, pod names (series of a pod go
 * when it is removed).
 */
public interface SandboxdMetrics {

  /** Sandbox run/stop/remove and container create/start/stop, see {@link Operation}. */
  void operation(Operation operation, Outcome outcome, Duration took);

  void containerRestarted(String namespace, String pod, String container);

  /** reason: Completed, Error, OOMKilled, StartError, Unhealthy... */
  void containerExited(String reason);

  void oomKilled();

  /** probe: startup, liveness or readiness. */
  void probeFailed(String probe);

  /** One finished unary call to containerd; code is the gRPC status code's name (OK, NOT_FOUND...). */
  void containerdCall(String service, String method, String code, Duration took);

  void eventStreamReconnected();

  /** A pull from a registry that stored its image: how long it took and the bytes it fetched. */
  default void imagePulled(Duration took, long bytes) {}

  /** A failed pull; reason from a bounded set (not_found, unauthorized, tls, unreachable, ...). */
  default void imagePullFailed(String reason) {}

  /** How many images containerd's store holds in sandboxd's namespace. */
  default void imagesPresent(long count) {}
  /** One CNI ADD, DEL or GC through a network's whole plugin list (network: the list's name). */
  void cniOperation(String network, String verb, Outcome outcome, Duration took);

  /** Pod IPs the pod network has handed out and not yet freed. */
  void podIpsAllocated(int count);

  /** The periodic picture of all pods: gauges by phase and state, and each pod's cgroup usage. */
  void podSnapshot(PodSnapshot snapshot);

  /** Drops every series labelled with the pod. */
  void podRemoved(String namespace, String pod);

  /**
   * The CRI pods sandboxd serves, by sandbox state (Created, Ready, NotReady): one gauge apart
   * from sandboxd's own pods, without per-pod series (kubelet exports those of CRI's pods).
   */
  void criPods(Map<String, Long> byState);

  /** Metrics nobody reads: for tests and wiring without an endpoint. */
  SandboxdMetrics NONE = new SandboxdMetrics() {
    @Override
    public void operation(Operation operation, Outcome outcome, Duration took) {}

    @Override
    public void containerRestarted(String namespace, String pod, String container) {}

    @Override
    public void containerExited(String reason) {}

    @Override
    public void oomKilled() {}

    @Override
    public void probeFailed(String probe) {}

    @Override
    public void containerdCall(String service, String method, String code, Duration took) {}

    @Override
    public void eventStreamReconnected() {}

    @Override
    public void cniOperation(String network, String verb, Outcome outcome, Duration took) {}

    @Override
    public void podIpsAllocated(int count) {}

    @Override
    public void podSnapshot(PodSnapshot snapshot) {}

    @Override
    public void podRemoved(String namespace, String pod) {}

    @Override
    public void criPods(Map<String, Long> byState) {}
  };

  /** The operation label is the constant's name in lower case (sandbox_run...). */
  enum Operation {
    SANDBOX_RUN,
    SANDBOX_STOP,
    SANDBOX_REMOVE,
    CONTAINER_CREATE,
    CONTAINER_START,
    CONTAINER_STOP;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  enum Outcome {
    SUCCESS,
    ERROR;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
