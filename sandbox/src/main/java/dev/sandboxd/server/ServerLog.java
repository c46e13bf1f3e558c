package dev.sandboxd.server;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/** Failures that are not one of the expected error kinds are bugs: log them with their stack. */
final class ServerLog {
  private static final Logger LOG = System.getLogger("dev.sandboxd.server");

  private ServerLog() {}

  static void unexpected(Throwable e) {
    LOG.log(Level.ERROR, "unexpected failure in a request", e);
  }
}
