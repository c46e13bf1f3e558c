package dev.sandboxd.container;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * What an exec wrote to one stream: the first {@code limit} bytes, and how many it wrote in all.
 * Reading goes on past the limit, so the command never blocks on a full pipe.
 */
record ExecOutput(String stream, byte[] kept, long total) {

  static ExecOutput read(String stream, InputStream in, int limit) throws IOException {
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      if (kept.size() < limit) {
        kept.write(buffer, 0, Math.min(n, limit - kept.size()));
      }
      total += n;
    }
    return new ExecOutput(stream, kept.toByteArray(), total);
  }

  /** The bytes, unless there were more than limit: then a ResourceExhausted naming the limit. */
  byte[] whole(String containerId, int limit, int exitCode) {
    if (total > limit) {
      throw SandboxdException.resourceExhausted(
          "exec in %s: the command wrote %d bytes to %s, more than exec's limit of %d MiB per stream "
              + "(it ran to the end, exit code %d); redirect large output to a file in the container",
          containerId, total, stream, limit >> 20, exitCode);
    }
    return kept;
  }
}
