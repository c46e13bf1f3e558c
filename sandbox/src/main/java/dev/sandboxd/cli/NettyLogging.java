package dev.sandboxd.cli;

import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLogger;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;

/**
 * Netty's logging in a CLI process: one java.util.logging logger for all of Netty. Netty makes a
 * logger per class, after probing for SLF4J and Log4J, and java.util.logging registers each one;
 * for a process that lives a third of a second that was a tenth of its CPU time. Netty's messages
 * still reach java.util.logging's console handler, under the name of the whole library.
 */
final class NettyLogging {
  static final String LOGGER_NAME = "io.grpc.netty.shaded.io.netty";

  private NettyLogging() {}

  /** Before any Netty class logs, i.e. before the first channel. */
  static void useOneLogger() {
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    InternalLogger shared = InternalLoggerFactory.getInstance(LOGGER_NAME);
    InternalLoggerFactory.setDefaultFactory(new InternalLoggerFactory() {
      @Override
      protected InternalLogger newInstance(String name) {
        return shared;
      }
    });
  }
}
