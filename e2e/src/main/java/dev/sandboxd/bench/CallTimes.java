package dev.sandboxd.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wall time of each gRPC call a client makes, by method name (RunPodSandbox,
 * CreateContainer, ...), while {@link #record} is on: where a pod start's time goes, step by step.
 * Only the thread that makes the calls reads and writes it (the bench makes one call at a time).
 */
final class CallTimes implements ClientInterceptor {
  private final Map<String, List<Long>> nanos = new LinkedHashMap<>();
  private volatile boolean recording;

  /** Turns recording on (measured runs) or off (warm-up, teardown). */
  void record(boolean on) {
    recording = on;
  }

  /** Each method's samples, in the order the methods were first called. */
  synchronized Map<String, List<Long>> samples() {
    Map<String, List<Long>> copy = new LinkedHashMap<>();
    nanos.forEach((method, list) -> copy.put(method, List.copyOf(list)));
    return copy;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (!recording) {
      return next.newCall(method, options);
    }
    String name = method.getBareMethodName();
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      private long started;

      @Override
      public void start(Listener<R> listener, Metadata headers) {
        started = System.nanoTime();
        super.start(new SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            add(name, System.nanoTime() - started);
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }

  private synchronized void add(String method, long elapsed) {
    nanos.computeIfAbsent(method, m -> new ArrayList<>()).add(elapsed);
  }
}
