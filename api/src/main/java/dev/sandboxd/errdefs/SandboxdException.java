package dev.sandboxd.errdefs;

import io.grpc.Status;

/**
 * The one error hierarchy of sandboxd, after containerd's errdefs: every failure that crosses a
 * module or process boundary is one of these kinds, and only {@link GrpcErrors} turns them into
 * gRPC status codes and back.
 */
public sealed class SandboxdException extends RuntimeException
    permits SandboxdException.NotFound,
        SandboxdException.AlreadyExists,
        SandboxdException.InvalidArgument,
        SandboxdException.FailedPrecondition,
        SandboxdException.Unavailable,
        SandboxdException.ResourceExhausted,
        SandboxdException.DeadlineExceeded,
        SandboxdException.Internal {

  private final Status.Code code;

  private SandboxdException(Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The gRPC status code this kind of failure maps to. */
  public Status.Code code() {
    return code;
  }

  public static NotFound notFound(String format, Object... args) {
    return new NotFound(String.format(format, args), null);
  }

  public static AlreadyExists alreadyExists(String format, Object... args) {
    return new AlreadyExists(String.format(format, args), null);
  }

  public static InvalidArgument invalidArgument(String format, Object... args) {
    return new InvalidArgument(String.format(format, args), null);
  }

  public static FailedPrecondition failedPrecondition(String format, Object... args) {
    return new FailedPrecondition(String.format(format, args), null);
  }

  public static Unavailable unavailable(String message, Throwable cause) {
    return new Unavailable(message, cause);
  }

  public static ResourceExhausted resourceExhausted(String format, Object... args) {
    return new ResourceExhausted(String.format(format, args), null);
  }

  public static DeadlineExceeded deadlineExceeded(String message, Throwable cause) {
    return new DeadlineExceeded(message, cause);
  }

  public static Internal internal(String message, Throwable cause) {
    return new Internal(message, cause);
  }

  /** A named object (pod, container, image, task) does not exist. */
  public static final class NotFound extends SandboxdException {
    public NotFound(String message, Throwable cause) {
      super(Status.Code.NOT_FOUND, message, cause);
    }
  }

  /** An object with that name or id exists already. */
  public static final class AlreadyExists extends SandboxdException {
    public AlreadyExists(String message, Throwable cause) {
      super(Status.Code.ALREADY_EXISTS, message, cause);
    }
  }

  /** The caller's input is wrong; the message names the field. Nothing was changed. */
  public static final class InvalidArgument extends SandboxdException {
    public InvalidArgument(String message, Throwable cause) {
      super(Status.Code.INVALID_ARGUMENT, message, cause);
    }
  }

  /** The object is not in a state that allows the operation (e.g. removing a running pod). */
  public static final class FailedPrecondition extends SandboxdException {
    public FailedPrecondition(String message, Throwable cause) {
      super(Status.Code.FAILED_PRECONDITION, message, cause);
    }
  }

  /** A dependency (containerd, the daemon) cannot be reached; retrying may help. */
  public static final class Unavailable extends SandboxdException {
    public Unavailable(String message, Throwable cause) {
      super(Status.Code.UNAVAILABLE, message, cause);
    }
  }

  /** A limit was hit (disk, pids, a configured maximum). */
  public static final class ResourceExhausted extends SandboxdException {
    public ResourceExhausted(String message, Throwable cause) {
      super(Status.Code.RESOURCE_EXHAUSTED, message, cause);
    }
  }

  /** A call's deadline passed before it finished. */
  public static final class DeadlineExceeded extends SandboxdException {
    public DeadlineExceeded(String message, Throwable cause) {
      super(Status.Code.DEADLINE_EXCEEDED, message, cause);
    }
  }

  /** A bug or an unexpected failure underneath; the message says what was being done. */
  public static final class Internal extends SandboxdException {
    public Internal(String message, Throwable cause) {
      super(Status.Code.INTERNAL, message, cause);
    }
  }
}
