package dev.sandboxd.errdefs;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Converts between {@link SandboxdException} and gRPC status codes, at process boundaries only. */
public final class GrpcErrors {
  private GrpcErrors() {}

  /** The status a server returns for a failure. Unknown throwables become INTERNAL. */
  public static StatusRuntimeException toStatus(Throwable error) {
    if (error instanceof StatusRuntimeException sre) {
      return sre;
    }
    Status.Code code = error instanceof SandboxdException e ? e.code() : Status.Code.INTERNAL;
    String message = error.getMessage() != null ? error.getMessage() : error.toString();
    return Status.fromCode(code).withDescription(message).asRuntimeException();
  }

  /**
   * The project error for a failed call to a gRPC peer. {@code what} says what was being done
   * ("containerd: create task p1-app") and prefixes the peer's own description.
   */
  public static SandboxdException fromStatus(String what, Throwable error) {
    if (error instanceof SandboxdException e) {
      return e;
    }
    Status status = Status.fromThrowable(error);
    String description = status.getDescription() != null ? status.getDescription() : status.getCode().name();
    String message = what + ": " + description;
    // containerd passes a context's expiry on from its shims as Unknown with Go's message.
    if (status.getCode() == Status.Code.UNKNOWN && description.endsWith("context deadline exceeded")) {
      return new SandboxdException.DeadlineExceeded(message, error);
    }
    return switch (status.getCode()) {
      case NOT_FOUND -> new SandboxdException.NotFound(message, error);
      case ALREADY_EXISTS -> new SandboxdException.AlreadyExists(message, error);
      case INVALID_ARGUMENT, OUT_OF_RANGE -> new SandboxdException.InvalidArgument(message, error);
      case FAILED_PRECONDITION, ABORTED -> new SandboxdException.FailedPrecondition(message, error);
      case UNAVAILABLE, CANCELLED -> new SandboxdException.Unavailable(message, error);
      case RESOURCE_EXHAUSTED -> new SandboxdException.ResourceExhausted(message, error);
      case DEADLINE_EXCEEDED -> new SandboxdException.DeadlineExceeded(message, error);
      default -> new SandboxdException.Internal(message, error);
    };
  }
}
