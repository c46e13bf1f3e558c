package dev.sandboxd.containerd;

import dev.sandboxd.errdefs.SandboxdException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How a {@link ContainerdConnection} talks to containerd.
 *
 * @param namespace containerd namespace every call runs in
 * @param callTimeout deadline of every unary call and bounded stream (list, read) that does not
 *     set its own
 * @param transferTimeout deadline of calls that move data: blob writes and layer applies
 */
public record ConnectionOptions(String namespace, Duration callTimeout, Duration transferTimeout) {
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_TRANSFER_TIMEOUT = Duration.ofMinutes(10);

  // containerd's own rule (pkg/identifiers): label-like, at most 76 characters.
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");

  public ConnectionOptions {
    if (namespace == null || namespace.length() > 76 || !NAMESPACE.matcher(namespace).matches()) {
      throw SandboxdException.invalidArgument(
          "containerd.namespace: %s is not a valid containerd namespace (letters, digits, '.', '_', '-')",
          namespace);
    }
    requirePositive("containerd.callTimeout", callTimeout);
    requirePositive("containerd.transferTimeout", transferTimeout);
  }

  /** Default deadlines in the given namespace. */
  public static ConnectionOptions forNamespace(String namespace) {
    return new ConnectionOptions(namespace, DEFAULT_CALL_TIMEOUT, DEFAULT_TRANSFER_TIMEOUT);
  }

  public ConnectionOptions withNamespace(String newNamespace) {
    return new ConnectionOptions(newNamespace, callTimeout, transferTimeout);
  }

  public ConnectionOptions withCallTimeout(Duration timeout) {
    return new ConnectionOptions(namespace, timeout, transferTimeout);
  }

  public ConnectionOptions withTransferTimeout(Duration timeout) {
    return new ConnectionOptions(namespace, callTimeout, timeout);
  }

  private static void requirePositive(String field, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw SandboxdException.invalidArgument("%s: must be a positive duration, got %s", field, value);
    }
  }
}
