package dev.sandboxd.containerd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary call without a deadline the default one, so a hung containerd never hangs a
 * caller; streams set their own (a subscription has none on purpose). Every call waits for the
 * connection to be ready within its deadline instead of failing at once while containerd
 * restarts: a restart of containerd is a pause for sandboxd, not a failure.
 */
final class DeadlineInterceptor implements ClientInterceptor {
  private final long timeoutNanos;

  DeadlineInterceptor(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    if (method.getType() == MethodDescriptor.MethodType.UNARY && callOptions.getDeadline() == null) {
      callOptions = callOptions.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
    }
    return next.newCall(method, callOptions.withWaitForReady());
  }
}
