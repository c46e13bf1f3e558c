package dev.sandboxd.pod;

import java.util.List;
import java.util.Map;

/** A startup, liveness or readiness probe, with Kubernetes' defaults filled in. */
public record Probe(
    Action action,
    int initialDelaySeconds,
    int periodSeconds,
    int timeoutSeconds,
    int successThreshold,
    int failureThreshold) {

  public static final int DEFAULT_PERIOD_SECONDS = 10;
  public static final int DEFAULT_TIMEOUT_SECONDS = 1;
  public static final int DEFAULT_SUCCESS_THRESHOLD = 1;
  public static final int DEFAULT_FAILURE_THRESHOLD = 3;

  /** What the probe does; exactly one per probe. */
  public sealed interface Action permits Exec, HttpGet, TcpSocket {}

  /** Runs a command in the container; exit 0 is success. */
  public record Exec(List<String> command) implements Action {
    public Exec {
      command = List.copyOf(command);
    }
  }

  /** GET against the pod's loopback; 200-399 is success. */
  public record HttpGet(String scheme, int port, String path, Map<String, String> headers) implements Action {
    public HttpGet {
      headers = Map.copyOf(headers);
    }
  }

  /** A TCP connect to the pod's loopback; connecting is success. */
  public record TcpSocket(int port) implements Action {}
}
