package dev.sandboxd.monitoring;

import dev.sandboxd.metrics.SandboxdMetrics;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;

/**
 * Times every unary call to containerd and notes its status code. Streams (the event
 * subscription) last as long as the connection and are left out; their health is the
 * reconnect counter's business.
 */
public final class ContainerdCallMeter implements ClientInterceptor {
  private final SandboxdMetrics metrics;

  public ContainerdCallMeter(SandboxdMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    ClientCall<Q, R> call = next.newCall(method, options);
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      return call;
    }
    String service = serviceLabel(method.getServiceName());
    String name = method.getBareMethodName();
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        long started = System.nanoTime();
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            metrics.containerdCall(service, name, status.getCode().name(), Duration.ofNanos(System.nanoTime() - started));
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }

  /** "containerd.services.tasks.v1.Tasks" → "tasks"; grpc.health.v1.Health → "health". */
  static String serviceLabel(String fullService) {
    if (fullService == null) {
      return "unknown";
    }
    String[] parts = fullService.split("\\.");
    if (parts.length >= 3 && parts[0].equals("containerd") && parts[1].equals("services")) {
      return parts[2];
    }
    return parts[parts.length - 1].toLowerCase(java.util.Locale.ROOT);
  }
}
