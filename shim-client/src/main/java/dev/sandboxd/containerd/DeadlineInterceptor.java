package dev.sandboxd.containerd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary call without a deadline the default one, so a hung containerd never hangs a
 * caller; streams set their own (a subscription has none on purpose). A call waits for the
 * connection to be ready (within its deadline) while containerd was connected less than {@code
 * restartGrace} ago, so a restart of containerd is a pause for sandboxd, not a failure; once
 * containerd has been gone longer, calls fail at once, saying containerd is not answering at its
 * socket, instead of each waiting out its deadline (and carrying grpc's connection log along).
 */
final class DeadlineInterceptor implements ClientInterceptor {
  private final long timeoutNanos;
  private final ManagedChannel channel;
  private final String target;
  private final long graceNanos;
  private volatile long lastConnected = System.nanoTime();

  /** @param channel the connection to watch, or null to always wait for it (in-process tests) */
  DeadlineInterceptor(Duration timeout, ManagedChannel channel, String target, Duration restartGrace) {
    this.timeoutNanos = timeout.toNanos();
    this.channel = channel;
    this.target = target;
    this.graceNanos = restartGrace.toNanos();
    if (channel != null) {
      watch(channel.getState(false));
    }
  }

  /** Notes when the connection was last up, also between calls (a quiet sandboxd makes none for hours). */
  private void watch(ConnectivityState from) {
    if (from == ConnectivityState.SHUTDOWN) {
      return;
    }
    channel.notifyWhenStateChanged(from, () -> {
      ConnectivityState now = channel.getState(false);
      if (from == ConnectivityState.READY || now == ConnectivityState.READY) {
        lastConnected = System.nanoTime();
      }
      watch(now);
    });
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    if (method.getType() == MethodDescriptor.MethodType.UNARY && callOptions.getDeadline() == null) {
      callOptions = callOptions.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
    }
    if (channel == null) {
      return next.newCall(method, callOptions.withWaitForReady());
    }
    ConnectivityState state = channel.getState(false);
    if (state == ConnectivityState.READY) {
      lastConnected = System.nanoTime();
    } else if (state == ConnectivityState.TRANSIENT_FAILURE) {
      // Try again at once rather than after grpc's back-off, which grows to two minutes.
      channel.resetConnectBackoff();
    }
    boolean gone = state != ConnectivityState.READY && System.nanoTime() - lastConnected > graceNanos;
    ClientCall<ReqT, RespT> call = next.newCall(method, gone ? callOptions : callOptions.withWaitForReady());
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            super.onClose(describe(status), trailers);
          }
        }, headers);
      }
    };
  }

  /** A failure to reach containerd, in one line: grpc's own text holds its connection attempts and a stack trace. */
  private Status describe(Status status) {
    boolean unreachable = status.getCode() == Status.Code.UNAVAILABLE
        || (status.getCode() == Status.Code.DEADLINE_EXCEEDED && channel.getState(false) != ConnectivityState.READY);
    if (!unreachable) {
      if (status.isOk()) {
        lastConnected = System.nanoTime();
      }
      return status;
    }
    return Status.fromCode(status.getCode())
        .withDescription("containerd is not answering at " + target)
        .withCause(status.getCause());
  }
}
