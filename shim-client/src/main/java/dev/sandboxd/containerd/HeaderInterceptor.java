package dev.sandboxd.containerd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Adds containerd's request headers: the namespace every call needs, and the lease that keeps
 * what a call creates away from the garbage collector (pkg/namespaces, core/leases/grpc.go).
 */
final class HeaderInterceptor implements ClientInterceptor {
  static final Metadata.Key<String> NAMESPACE =
      Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> LEASE =
      Metadata.Key.of("containerd-lease", Metadata.ASCII_STRING_MARSHALLER);

  private final String namespace;
  private final String leaseId; // null: calls run outside any lease

  HeaderInterceptor(String namespace, String leaseId) {
    this.namespace = namespace;
    this.leaseId = leaseId;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        headers.put(NAMESPACE, namespace);
        if (leaseId != null) {
          headers.put(LEASE, leaseId);
        }
        super.start(responseListener, headers);
      }
    };
  }
}
