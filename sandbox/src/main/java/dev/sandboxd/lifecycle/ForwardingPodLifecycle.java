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

/** A PodLifecycle that passes every call to another; decorators override the calls they add to. */
public abstract class ForwardingPodLifecycle implements PodLifecycle {
  protected final PodLifecycle pods;

  protected ForwardingPodLifecycle(PodLifecycle pods) {
    this.pods = pods;
  }

  @Override
  public RunResult run(String manifest, boolean lenient) {
    return pods.run(manifest, lenient);
  }

  @Override
  public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
    return pods.stop(podRef, gracePeriod);
  }

  @Override
  public void remove(String podRef, boolean force) {
    pods.remove(podRef, force);
  }

  @Override
  public List<PodStatus> list() {
    return pods.list();
  }

  @Override
  public PodStatus inspect(String podRef) {
    return pods.inspect(podRef);
  }

  @Override
  public void logs(String podRef, String container, LogOptions options, OutputStream out, BooleanSupplier keepFollowing)
      throws IOException {
    pods.logs(podRef, container, options, out, keepFollowing);
  }

  @Override
  public ExecResult exec(String podRef, String container, List<String> command, Optional<Duration> timeout) {
    return pods.exec(podRef, container, command, timeout);
  }

  @Override
  public AttachedProcess attach(String podRef, String container, AttachedExecSpec exec) {
    return pods.attach(podRef, container, exec);
  }

  @Override
  public PodStatus pause(String podRef) {
    return pods.pause(podRef);
  }

  @Override
  public PodStatus unpause(String podRef) {
    return pods.unpause(podRef);
  }

  @Override
  public List<PodStats> stats(Optional<String> podRef) {
    return pods.stats(podRef);
  }

  @Override
  public LifecycleEvents events() {
    return pods.events();
  }
}
