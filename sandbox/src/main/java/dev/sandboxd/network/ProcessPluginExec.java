package dev.sandboxd.network;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A plugin as a child process. */
public final class ProcessPluginExec implements PluginExec {
  // Far beyond any real result or error object; a plugin gone wild cannot fill sandboxd's heap.
  private static final int MAX_OUTPUT = 1 << 20;

  @Override
  public Output run(Path binary, Map<String, String> env, byte[] stdin, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(binary.toString());
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw SandboxdException.failedPrecondition("CNI plugin %s could not be run: %s", binary, e.getMessage());
    }
    try {
      CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
      CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      try (OutputStream in = p.getOutputStream()) {
        in.write(stdin);
      } catch (IOException e) {
        // The plugin exited without reading its config; its exit code and output tell why.
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw SandboxdException.deadlineExceeded(
            "CNI plugin " + binary.getFileName() + " did not finish within " + timeout.toSeconds() + " s", null);
      }
      return new Output(p.exitValue(), out.join(), err.join());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw SandboxdException.unavailable("interrupted while running CNI plugin " + binary.getFileName(), e);
    }
  }

  private static byte[] read(InputStream in) {
    try (in) {
      byte[] all = in.readNBytes(MAX_OUTPUT);
      in.transferTo(OutputStream.nullOutputStream());
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
