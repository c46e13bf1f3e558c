package dev.sandboxd.lifecycle;

import dev.sandboxd.container.AttachedExecSpec;
import dev.sandboxd.container.AttachedProcess;
import dev.sandboxd.container.ExecResult;
import dev.sandboxd.containerlog.LogOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What sandboxd does with pods; the gRPC server is a thin adapter over it. A pod reference is
 * "name" (namespace default), "namespace/name", or the sandbox id.
 */
public interface PodLifecycle {

  /** Runs a pod from manifest text; on failure nothing of it is left behind. */
  RunResult run(String manifest, boolean lenient);

  /** Stops the pod's containers (grace period, then SIGKILL) and its sandbox. */
  PodStatus stop(String podRef, Optional<Duration> gracePeriod);

  /** Removes a stopped pod and everything it owns; with force, stops it first. */
  void remove(String podRef, boolean force);

  List<PodStatus> list();

  PodStatus inspect(String podRef);

  /**
   * Copies a container's log to out; with follow, keeps copying new output until
   * keepFollowing says stop.
   */
  void logs(String podRef, String container, LogOptions options, OutputStream out, BooleanSupplier keepFollowing)
      throws IOException;

  ExecResult exec(String podRef, String container, List<String> command, Optional<Duration> timeout);

  /** Starts a command in a running container with its stdio (and terminal) held by the caller, who closes it. */
  AttachedProcess attach(String podRef, String container, AttachedExecSpec exec);

  /** The lifecycle event feed: recent events, and live ones to subscribers. */
  LifecycleEvents events();
  /** Freezes every process of a running pod (cgroup.freeze); they keep their memory but get no CPU. */
  PodStatus pause(String podRef);

  /** Thaws a paused pod. */
  PodStatus unpause(String podRef);

  /** Resource usage of one pod, or of every pod when podRef is empty. */
  List<PodStats> stats(Optional<String> podRef);

  record RunResult(PodStatus status, List<String> warnings) {
    public RunResult {
      warnings = List.copyOf(warnings);
    }
  }
}
