package dev.sandboxd.image;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.Locale;

/**
 * Why a pull failed, from containerd's error (its resolver's words): a fixed set of reasons for
 * the container's waiting message, the metrics and the CLI.
 */
public final class PullFailure extends RuntimeException {

  public enum Reason {
    NOT_FOUND("not found"),
    UNAUTHORIZED("unauthorized"),
    TLS("TLS failure"),
    UNREACHABLE("registry unreachable"),
    NO_MATCHING_PLATFORM("no manifest for this platform"),
    DISK_FULL("disk full"),
    OTHER("failed");

    public final String words;

    Reason(String words) {
      this.words = words;
    }

    /** The label value of the errors metric. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Reason reason;
  private final SandboxdException cause;

  public PullFailure(String reference, SandboxdException cause) {
    this(reference, classify(cause.getMessage()), cause);
  }

  private PullFailure(String reference, Reason reason, SandboxdException cause) {
    super("pull image " + reference + ": " + reason.words + " (" + cause.getMessage() + ")", cause);
    this.reason = reason;
    this.cause = cause;
  }

  public Reason reason() {
    return reason;
  }

  /** The failure in sandboxd's error hierarchy, for the API boundary. */
  public SandboxdException asSandboxdException() {
    String message = getMessage();
    return switch (reason) {
      case NOT_FOUND -> SandboxdException.notFound("%s", message);
      case UNAUTHORIZED, NO_MATCHING_PLATFORM, TLS -> SandboxdException.failedPrecondition("%s", message);
      case UNREACHABLE -> SandboxdException.unavailable(message, cause);
      case DISK_FULL -> SandboxdException.resourceExhausted("%s", message);
      case OTHER -> cause;
    };
  }

  /** The reason containerd's message gives (its resolver's and Go's error texts). */
  static Reason classify(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    if (m.contains("no space left on device")) {
      return Reason.DISK_FULL;
    }
    if (m.contains("401") || m.contains("unauthorized") || m.contains("authorization failed") || m.contains("403")
        || m.contains("denied")) {
      return Reason.UNAUTHORIZED;
    }
    if (m.contains("x509") || m.contains("tls:") || m.contains("certificate")) {
      return Reason.TLS;
    }
    if (m.contains("no match for platform") || m.contains("no matching manifest")) {
      return Reason.NO_MATCHING_PLATFORM;
    }
    if (m.contains("not found")) {
      return Reason.NOT_FOUND;
    }
    if (m.contains("connection refused") || m.contains("dial tcp") || m.contains("no such host") || m.contains("i/o timeout")
        || m.contains("connection reset") || m.contains("eof") || m.contains("server misbehaving")) {
      return Reason.UNREACHABLE;
    }
    return Reason.OTHER;
  }
}
