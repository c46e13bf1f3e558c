package dev.sandboxd.metrics;


import dev.sandboxd.metrics.SandboxdMetrics.Operation;
import dev.sandboxd.metrics.SandboxdMetrics.Outcome;
import java.time.Duration;
import java.util.function.Supplier;

/** Times one operation from construction to its outcome, recorded once. */
public final class OperationTimer {
  private final SandboxdMetrics metrics;
  private final Operation operation;
  private final long startNanos = System.nanoTime();
  private boolean recorded;

  public OperationTimer(SandboxdMetrics metrics, Operation operation) {
    this.metrics = metrics;
    this.operation = operation;
  }

  public void succeeded() {
    record(Outcome.SUCCESS);
  }

  public void failed() {
    record(Outcome.ERROR);
  }

  /** Runs the operation and records how it ended. */
  public static <T> T time(SandboxdMetrics metrics, Operation operation, Supplier<T> body) {
    OperationTimer timer = new OperationTimer(metrics, operation);
    try {
      T result = body.get();
      timer.succeeded();
      return result;
    } catch (RuntimeException | Error e) {
      timer.failed();
      throw e;
    }
  }

  private void record(Outcome outcome) {
    if (!recorded) {
      recorded = true;
      metrics.operation(operation, outcome, Duration.ofNanos(System.nanoTime() - startNanos));
    }
  }
}
