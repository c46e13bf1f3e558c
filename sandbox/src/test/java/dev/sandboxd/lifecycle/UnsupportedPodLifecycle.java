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

/** A base for test doubles of {@link PodLifecycle}: every call fails until a test double overrides it. */
public abstract class UnsupportedPodLifecycle implements PodLifecycle {

  @Override
  public RunResult run(String manifest, boolean lenient) {
    throw new UnsupportedOperationException("run");
  }

  @Override
  public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
    throw new UnsupportedOperationException("stop");
  }

  @Override
  public void remove(String podRef, boolean force) {
    throw new UnsupportedOperationException("remove");
  }

  @Override
  public List<PodStatus> list() {
    throw new UnsupportedOperationException("list");
  }

  @Override
  public PodStatus inspect(String podRef) {
    throw new UnsupportedOperationException("inspect");
  }

  @Override
  public void logs(String podRef, String container, LogOptions options, OutputStream out, BooleanSupplier keepFollowing)
      throws IOException {
    throw new UnsupportedOperationException("logs");
  }

  @Override
  public ExecResult exec(String podRef, String container, List<String> command, Optional<Duration> timeout) {
    throw new UnsupportedOperationException("exec");
  }

  @Override
  public PodStatus pause(String podRef) {
    throw new UnsupportedOperationException("pause");
  }

  @Override
  public PodStatus unpause(String podRef) {
    throw new UnsupportedOperationException("unpause");
  }

  @Override
  public List<PodStats> stats(Optional<String> podRef) {
    throw new UnsupportedOperationException("stats");
  }

  @Override
  public LifecycleEvents events() {
    throw new UnsupportedOperationException("events");
  }

  @Override
  public AttachedProcess attach(String podRef, String container, AttachedExecSpec exec) {
    throw new UnsupportedOperationException("attach");
  }
}
