package dev.sandboxd.server;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.AttachedExecRequest;
import dev.sandboxd.api.v1.AttachedExecResponse;
import dev.sandboxd.container.AttachedExecSpec;
import dev.sandboxd.container.AttachedProcess;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.PodLifecycle;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One attached exec: the first request starts the command; later ones carry stdin, its end and
 * terminal resizes. Output is streamed as it comes, at the client's pace; the last response
 * carries the exit code. A cancelled call (the client went away) kills the command.
 */
final class AttachedExecCall implements StreamObserver<AttachedExecRequest> {
  private static final int CHUNK_BYTES = 32 * 1024;
  private static final int CHUNKS_QUEUED = 4;
  /** How long after the command's exit its output may still come (the shim's last copies). */
  private static final Duration OUTPUT_GRACE = Duration.ofSeconds(5);

  private final PodLifecycle pods;
  private final Executor threads;
  private final FlowControlledSender<AttachedExecResponse> sender;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile AttachedProcess process;
  private boolean refused;

  AttachedExecCall(PodLifecycle pods, Executor threads, ServerCallStreamObserver<AttachedExecResponse> stream) {
    this.pods = pods;
    this.threads = threads;
    this.sender = new FlowControlledSender<>(stream, CHUNKS_QUEUED, this::closeProcess);
  }

  @Override
  public void onNext(AttachedExecRequest request) {
    if (refused) {
      return;
    }
    try {
      if (process == null) {
        start(request);
        return;
      }
      if (request.hasSize()) {
        process.resize(request.getSize().getWidth(), request.getSize().getHeight());
      }
      if (!request.getStdinData().isEmpty()) {
        OutputStream stdin = process.stdin().orElseThrow(
            () -> SandboxdException.invalidArgument("stdin_data: the command was started without stdin"));
        request.getStdinData().writeTo(stdin);
        stdin.flush();
      }
      if (request.getStdinClosed()) {
        closeStdin();
      }
    } catch (IOException e) {
      // The command closed its stdin or ended: what it did not read is of no use to it.
    } catch (RuntimeException e) {
      refused = true;
      sender.fail(e);
    }
  }

  private void start(AttachedExecRequest request) {
    String pod = PodsService.ref(request.getPod());
    PodsService.requireName("container", request.getContainer());
    process = pods.attach(pod, request.getContainer(), new AttachedExecSpec(
        request.getCommandList(), request.getStdin(), request.getTty(), request.getSize().getWidth(), request.getSize().getHeight()));
    if (closed.get()) {
      process.close(); // cancelled while it started
      return;
    }
    threads.execute(this::run);
  }

  /**
   * Streams the output while the command runs, then its exit code. Output the command left to a
   * process of its own (a daemon that kept stdout) is not waited for past OUTPUT_GRACE.
   */
  private void run() {
    try {
      CompletableFuture<Void> stdout = pumpAsync(process.stdout(), b -> AttachedExecResponse.newBuilder().setStdout(b));
      Optional<InputStream> err = process.stderr();
      CompletableFuture<Void> stderr = err.isEmpty()
          ? CompletableFuture.completedFuture(null)
          : pumpAsync(err.get(), b -> AttachedExecResponse.newBuilder().setStderr(b));
      int exitCode = process.waitFor();
      try {
        CompletableFuture.allOf(stdout, stderr).get(OUTPUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // Ended with what was sent.
      }
      sender.send(AttachedExecResponse.newBuilder().setExitCode(exitCode).build());
      sender.complete();
    } catch (IOException e) {
      sender.fail(SandboxdException.internal("exec: " + e.getMessage(), e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      sender.fail(e);
    } finally {
      closeProcess();
    }
  }

  private CompletableFuture<Void> pumpAsync(InputStream in, Function<ByteString, AttachedExecResponse.Builder> message) {
    return CompletableFuture.runAsync(() -> pump(in, message), threads);
  }

  private void pump(InputStream in, Function<ByteString, AttachedExecResponse.Builder> message) {
    byte[] buffer = new byte[CHUNK_BYTES];
    try (in) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (!sender.send(message.apply(ByteString.copyFrom(buffer, 0, n)).build())) {
          return;
        }
      }
    } catch (IOException e) {
      // The fifo closed under us: the call ended.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The client is done sending: end of its stdin. */
  @Override
  public void onCompleted() {
    if (process != null) {
      closeStdin();
    }
  }

  @Override
  public void onError(Throwable t) {
    closeProcess();
  }

  private void closeStdin() {
    process.stdin().ifPresent(stdin -> {
      try {
        stdin.close();
      } catch (IOException ignored) {
        // Closed already.
      }
    });
  }

  private void closeProcess() {
    if (closed.compareAndSet(false, true) && process != null) {
      process.close();
    }
  }
}
