package dev.sandboxd.container;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.runtime.ContainerRuntime;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A process exec'd into a container whose standard streams a client holds: fifos between
 * sandboxd and the shim, which copies them to the process (or to and from its terminal). The
 * process gets the container's own process settings, nothing of sandboxd's (no fds, no
 * environment): runc starts it from the shim. {@link #close} kills it if it still runs and
 * removes everything of it; call it once the client is done.
 */
public final class AttachedProcess implements AutoCloseable {
  private static final Duration FOREVER = Duration.ofDays(365);

  private final ContainerRuntime runtime;
  private final String containerId;
  private final String execId;
  private final Optional<Path> stdinFifo;
  private final Optional<OutputStream> stdin;
  private final Output stdout;
  private final Optional<Output> stderr;

  /** An output fifo and the read end being opened (open(2) returns once the shim opened the other). */
  record Output(Path fifo, CompletableFuture<InputStream> open) {}

  AttachedProcess(
      ContainerRuntime runtime, String containerId, String execId, Optional<Path> stdinFifo, Optional<OutputStream> stdin,
      Output stdout, Optional<Output> stderr) {
    this.runtime = runtime;
    this.containerId = containerId;
    this.execId = execId;
    this.stdinFifo = stdinFifo;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** The process's stdin, when it was asked for; closing it is end of input. */
  public Optional<OutputStream> stdin() {
    return stdin;
  }

  /** Its stdout (its terminal's output under a tty); ends when the process and the shim are done with it. */
  public InputStream stdout() throws IOException {
    return opened(stdout.open());
  }

  /** Its stderr; none under a terminal. */
  public Optional<InputStream> stderr() throws IOException {
    return stderr.isEmpty() ? Optional.empty() : Optional.of(opened(stderr.get().open()));
  }

  public void resize(int width, int height) {
    if (width <= 0 || height <= 0 || width > 0xffff || height > 0xffff) {
      throw SandboxdException.invalidArgument("size: width and height must be between 1 and 65535, was %dx%d", width, height);
    }
    runtime.resizeExec(containerId, execId, width, height);
  }

  /** Blocks until the process exits; returns its exit code. */
  public int waitFor() {
    return runtime.waitExec(containerId, execId, FOREVER)
        .orElseThrow(() -> SandboxdException.internal("exec " + execId + " in " + containerId + " outlived a year", null))
        .exitCode();
  }

  @Override
  public void close() {
    runtime.killAndDeleteExec(containerId, execId);
    stdin.ifPresent(AttachedProcess::closeQuietly);
    stdinFifo.ifPresent(AttachedProcess::deleteQuietly);
    for (Output output : stderr.isPresent() ? List.of(stdout, stderr.get()) : List.of(stdout)) {
      if (!output.open().isDone()) {
        // The process never started: its reader waits in open() for a writer that will never come.
        ContainerManager.unblock(output.fifo());
      }
      output.open().thenAccept(AttachedProcess::closeQuietly);
      deleteQuietly(output.fifo());
    }
  }

  private static InputStream opened(CompletableFuture<InputStream> open) throws IOException {
    try {
      return open.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while opening the exec's output", e);
    } catch (ExecutionException e) {
      throw new IOException("opening the exec's output: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private static void closeQuietly(Closeable stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // The shim went away first.
    }
  }

  private static void deleteQuietly(Path fifo) {
    try {
      Files.deleteIfExists(fifo);
    } catch (IOException ignored) {
      // Removed with the pod's directory at the latest.
    }
  }
}
