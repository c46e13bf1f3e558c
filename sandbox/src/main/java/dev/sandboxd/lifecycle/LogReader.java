package dev.sandboxd.lifecycle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Copies a container's log file (written by the shim, so it survives sandboxd restarts); with
 * follow, keeps copying what is appended while keepGoing holds, then drains what is left.
 */
final class LogReader {
  private static final long FOLLOW_POLL_MILLIS = 100;

  void copy(Path log, OutputStream out, boolean follow, BooleanSupplier keepGoing) throws IOException {
    if (!Files.exists(log) && !follow) {
      return;
    }
    while (!Files.exists(log)) {
      if (!keepGoing.getAsBoolean()) {
        return;
      }
      sleep();
    }
    byte[] buffer = new byte[32 * 1024];
    try (InputStream in = Files.newInputStream(log)) {
      while (true) {
        int n = in.read(buffer);
        if (n > 0) {
          out.write(buffer, 0, n);
          continue;
        }
        out.flush();
        if (!follow || !keepGoing.getAsBoolean()) {
          // One last read: the container may have written just before it stopped.
          int last;
          while ((last = in.read(buffer)) > 0) {
            out.write(buffer, 0, last);
          }
          out.flush();
          return;
        }
        sleep();
      }
    } catch (NoSuchFileException e) {
      // Removed together with its pod while being read.
    }
  }

  private void sleep() throws IOException {
    try {
      Thread.sleep(FOLLOW_POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while following a log", e);
    }
  }
}
