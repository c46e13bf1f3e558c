package dev.sandboxd.containerd;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-process gRPC server with fake containerd services, and a connection to it. */
final class InProcessContainerd implements AutoCloseable {
  /** The request headers of every call, in order. */
  final List<Metadata> headers = new CopyOnWriteArrayList<>();

  private final Server server;
  final ContainerdConnection connection;

  InProcessContainerd(ConnectionOptions options, Object... services) throws IOException {
    String name = InProcessServerBuilder.generateName();
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata requestHeaders, ServerCallHandler<ReqT, RespT> next) {
            headers.add(requestHeaders);
            return next.startCall(call, requestHeaders);
          }
        };
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    for (Object service : services) {
      ServerServiceDefinition definition =
          service instanceof BindableService b ? b.bindService() : (ServerServiceDefinition) service;
      builder.addService(ServerInterceptors.intercept(definition, capture));
    }
    server = builder.build().start();
    connection = ContainerdConnection.over(InProcessChannelBuilder.forName(name).build(), options);
  }

  InProcessContainerd(Object... services) throws IOException {
    this(ConnectionOptions.forNamespace("test-ns"), services);
  }

  Metadata lastHeaders() {
    return headers.get(headers.size() - 1);
  }

  @Override
  public void close() {
    connection.close();
    server.shutdownNow();
  }
}
