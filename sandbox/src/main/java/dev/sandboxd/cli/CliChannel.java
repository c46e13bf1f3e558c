package dev.sandboxd.cli;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * sandboxctl's channel to sandboxd: unary calls (ps, inspect, run, stop, rm, ...) each on a plain
 * HTTP/2 connection of their own ({@link UnaryExchange}); streams (logs -f, exec, port-forward,
 * events, pulls) through grpc-java's Netty channel, made when the first one is called. Both speak
 * the same gRPC API; the split only spares most commands Netty's start-up. A unary call carries no
 * request metadata and gives none back, and takes no compression: sandboxctl uses none of them.
 */
final class CliChannel extends Channel {
  /** Without a deadline from the stub, as grpc-java's own channel has: none, i.e. very long. */
  private static final long NO_DEADLINE_NANOS = TimeUnit.DAYS.toNanos(365);

  private final Path socket;
  private final int maxInboundMessageSize;
  private final Supplier<ManagedChannel> streams;
  private ManagedChannel streamChannel;

  CliChannel(Path socket, int maxInboundMessageSize, Supplier<ManagedChannel> streams) {
    this.socket = socket;
    this.maxInboundMessageSize = maxInboundMessageSize;
    this.streams = streams;
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    if (method.getType() == MethodDescriptor.MethodType.UNARY) {
      return new UnaryCall<>(method, options);
    }
    return streamChannel().newCall(method, options);
  }

  @Override
  public String authority() {
    return "localhost";
  }

  synchronized void close() {
    if (streamChannel != null) {
      streamChannel.shutdownNow();
    }
  }

  private synchronized ManagedChannel streamChannel() {
    if (streamChannel == null) {
      streamChannel = streams.get();
    }
    return streamChannel;
  }

  /**
   * One unary call, made when the stub half-closes (it has sent its one request by then); the
   * answer reaches the listener through the call's executor, as grpc-java's stubs expect.
   */
  private final class UnaryCall<Q, R> extends ClientCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    private final CallOptions options;
    private Listener<R> listener;
    private Q request;
    private volatile boolean cancelled;
    private boolean done;

    UnaryCall(MethodDescriptor<Q, R> method, CallOptions options) {
      this.method = method;
      this.options = options;
    }

    @Override
    public void start(Listener<R> responseListener, Metadata headers) {
      listener = responseListener;
    }

    @Override
    public void request(int numMessages) {
      // one answer, delivered when it comes
    }

    @Override
    public void sendMessage(Q message) {
      request = message;
    }

    @Override
    public void halfClose() {
      if (cancelled) {
        return;
      }
      Deadline deadline = options.getDeadline();
      long timeout = deadline == null ? NO_DEADLINE_NANOS : deadline.timeRemaining(TimeUnit.NANOSECONDS);
      Status status;
      R response = null;
      try (InputStream in = method.getRequestMarshaller().stream(request)) {
        UnaryExchange.Result result =
            UnaryExchange.call(socket, method.getFullMethodName(), in.readAllBytes(), timeout, maxInboundMessageSize);
        status = result.status();
        if (status.isOk()) {
          response = method.getResponseMarshaller().parse(new ByteArrayInputStream(result.message()));
        }
      } catch (UnaryExchange.DeadlineExceeded e) {
        status = Status.DEADLINE_EXCEEDED.withDescription(e.getMessage());
      } catch (StatusRuntimeException e) { // the marshaller's, for a message that does not parse
        status = e.getStatus();
      } catch (UnaryExchange.ProtocolError e) {
        status = Status.INTERNAL.withDescription(e.getMessage());
      } catch (IOException e) {
        // the socket's: UNAVAILABLE with the cause, as grpc-java says it (sandboxctl tells connect failures by it)
        status = Status.UNAVAILABLE.withDescription(e.getMessage() != null ? e.getMessage() : e.toString()).withCause(e);
      } catch (RuntimeException e) {
        status = Status.INTERNAL.withDescription(e.toString()).withCause(e);
      }
      finish(status, response);
    }

    @Override
    public void cancel(String message, Throwable cause) {
      cancelled = true;
      finish(Status.CANCELLED.withDescription(message).withCause(cause), null);
    }

    private void finish(Status status, R response) {
      synchronized (this) {
        if (done || listener == null) {
          return;
        }
        done = true;
      }
      Executor executor = options.getExecutor() != null ? options.getExecutor() : Runnable::run;
      executor.execute(() -> {
        if (response != null) {
          listener.onHeaders(new Metadata());
          listener.onMessage(response);
        }
        listener.onClose(status, new Metadata());
      });
    }
  }
}
