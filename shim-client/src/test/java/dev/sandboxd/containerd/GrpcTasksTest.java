package dev.sandboxd.containerd;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.sandboxd.errdefs.SandboxdException;
import org.junit.jupiter.api.Test;

class GrpcTasksTest {
  @Test
  void containerdsOwnContextErrorPastTheDeadlineIsTheDeadline() {
    SandboxdException internal = SandboxdException.internal("containerd: wait for task c1: context deadline exceeded", null);

    assertInstanceOf(SandboxdException.DeadlineExceeded.class, GrpcTasks.afterDeadline(internal, 0));
    assertInstanceOf(SandboxdException.DeadlineExceeded.class, GrpcTasks.afterDeadline(internal, -5_000_000));
  }

  @Test
  void otherFailuresStayWhatTheyAre() {
    SandboxdException internal = SandboxdException.internal("containerd: wait for task c1: shim died", null);
    SandboxdException notFound = SandboxdException.notFound("containerd: wait for task c1: not found");

    assertSame(internal, GrpcTasks.afterDeadline(internal, 1), "before the deadline an internal error stays one");
    assertSame(notFound, GrpcTasks.afterDeadline(notFound, -1), "a specific answer past the deadline stays itself");
  }
}
