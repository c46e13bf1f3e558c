package dev.sandboxd.rollback;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Undo actions of a multi-step operation, run in reverse order unless the operation commits.
 * An undo failure is attached to the original error as suppressed, never swallowed.
 *
 * <pre>
 * try (Rollback rollback = new Rollback()) {
 *   create(); rollback.push("delete x", () -> delete());
 *   ...
 *   rollback.commit();
 * }
 * </pre>
 */
public final class Rollback implements AutoCloseable {
  /** An undo step; may throw anything. */
  @FunctionalInterface
  public interface Undo {
    void run() throws Exception;
  }

  private record Step(String what, Undo undo) {}

  private final Deque<Step> steps = new ArrayDeque<>();
  private boolean committed;
  private Throwable failure;

  public void push(String what, Undo undo) {
    steps.push(new Step(what, undo));
  }

  /** The operation succeeded: keep everything. */
  public void commit() {
    committed = true;
  }

  /** Records the error that made the operation fail, so undo failures can be attached to it. */
  public <T extends Throwable> T failed(T error) {
    failure = error;
    return error;
  }

  @Override
  public void close() {
    if (committed) {
      return;
    }
    RuntimeException undoErrors = null;
    while (!steps.isEmpty()) {
      Step step = steps.pop();
      try {
        step.undo().run();
      } catch (Exception e) {
        RuntimeException wrapped = new IllegalStateException("rollback: " + step.what() + ": " + e.getMessage(), e);
        if (failure != null) {
          failure.addSuppressed(wrapped);
        } else if (undoErrors == null) {
          undoErrors = wrapped;
        } else {
          undoErrors.addSuppressed(wrapped);
        }
      }
    }
    if (undoErrors != null && failure == null) {
      throw undoErrors;
    }
  }
}
