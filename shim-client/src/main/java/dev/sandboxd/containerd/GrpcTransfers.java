package dev.sandboxd.containerd;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import containerd.services.streaming.v1.StreamingGrpc;
import containerd.services.streaming.v1.StreamingOuterClass.StreamInit;
import containerd.services.transfer.v1.TransferGrpc;
import containerd.services.transfer.v1.TransferOuterClass.TransferOptions;
import containerd.services.transfer.v1.TransferOuterClass.TransferRequest;
import containerd.types.PlatformOuterClass.Platform;
import containerd.types.transfer.Imagestore.ImageStore;
import containerd.types.transfer.Imagestore.UnpackConfiguration;
import containerd.types.transfer.ProgressOuterClass.Progress;
import containerd.types.transfer.Registry.AuthRequest;
import containerd.types.transfer.Registry.AuthResponse;
import containerd.types.transfer.Registry.AuthType;
import containerd.types.transfer.Registry.OCIRegistry;
import containerd.types.transfer.Registry.RegistryResolver;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * {@link Transfers} over containerd's gRPC API. The streams are made before the transfer call
 * names them, as containerd's own client does (the daemon looks them up by id).
 */
final class GrpcTransfers implements Transfers {
  /**
   * containerd matches the Any's type URL against its typeurl registry, which keys proto
   * messages by their bare full name (no "type.googleapis.com/" prefix).
   */
  private static Any any(Message message) {
    return Any.newBuilder().setTypeUrl(message.getDescriptorForType().getFullName()).setValue(message.toByteString()).build();
  }

  private static boolean is(Any any, Message prototype) {
    String url = any.getTypeUrl();
    return url.substring(url.lastIndexOf('/') + 1).equals(prototype.getDescriptorForType().getFullName());
  }

  private final Channel channel;
  private final Duration callTimeout;
  private final Duration transferTimeout;

  GrpcTransfers(Channel channel, Duration callTimeout, Duration transferTimeout) {
    this.channel = channel;
    this.callTimeout = callTimeout;
    this.transferTimeout = transferTimeout;
  }

  @Override
  public void pull(Pull pull, Credentials credentials, ProgressListener progress) {
    String id = "sandboxd-pull-" + UUID.randomUUID();
    try (ClientStream progressStream = open(id + "-progress", message -> {
          if (is(message, Progress.getDefaultInstance())) {
            Progress p = parse(message, Progress.parser());
            progress.progress(p.getEvent(), p.getName(), p.getProgress(), p.getTotal());
          }
          return null;
        });
        ClientStream authStream = open(id + "-auth", message -> {
          AuthRequest request = parse(message, AuthRequest.parser());
          AuthResponse.Builder response = AuthResponse.newBuilder().setAuthType(AuthType.NONE);
          credentials.forHost(request.getHost()).ifPresent(c -> {
            response.setSecret(c.secret());
            if (c.username().isEmpty()) {
              response.setAuthType(AuthType.REFRESH);
            } else {
              response.setAuthType(AuthType.CREDENTIALS).setUsername(c.username());
            }
          });
          return any(response.build());
        })) {
      RegistryResolver.Builder resolver = RegistryResolver.newBuilder().setAuthStream(authStream.id);
      pull.hostDir().ifPresent(resolver::setHostDir);
      Platform platform = Platform.newBuilder().setOs(pull.os()).setArchitecture(pull.architecture()).build();
      ImageStore store = ImageStore.newBuilder()
          .setName(pull.reference())
          .addPlatforms(platform)
          .addUnpacks(UnpackConfiguration.newBuilder().setPlatform(platform).setSnapshotter(pull.snapshotter()))
          .build();
      TransferRequest request = TransferRequest.newBuilder()
          .setSource(any(OCIRegistry.newBuilder().setReference(pull.reference()).setResolver(resolver).build()))
          .setDestination(any(store))
          .setOptions(TransferOptions.newBuilder().setProgressStream(progressStream.id))
          .build();
      Calls.run("pull " + pull.reference(), () -> TransferGrpc.newBlockingStub(channel)
          .withDeadlineAfter(transferTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .transfer(request));
    }
  }

  private static <T> T parse(Any message, com.google.protobuf.Parser<T> parser) {
    try {
      return parser.parseFrom(message.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw SandboxdException.internal("containerd: unreadable " + message.getTypeUrl() + ": " + e.getMessage(), e);
    }
  }

  /** Opens a stream of containerd's streaming service under id; handler may answer each message. */
  private ClientStream open(String id, Function<Any, Any> handler) {
    return new ClientStream(id, handler);
  }

  /** One stream of containerd's streaming service: registered under its id once containerd acks it. */
  private final class ClientStream implements AutoCloseable {
    final String id;
    private final CompletableFuture<Void> acked = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final ClientCallStreamObserver<Any> requests;

    ClientStream(String id, Function<Any, Any> handler) {
      this.id = id;
      this.requests = (ClientCallStreamObserver<Any>) StreamingGrpc.newStub(channel).stream(new StreamObserver<>() {
        @Override
        public void onNext(Any message) {
          if (!acked.isDone()) {
            acked.complete(null);
            return;
          }
          Any reply = handler.apply(message);
          if (reply != null) {
            synchronized (ClientStream.this) {
              requests().onNext(reply);
            }
          }
        }

        @Override
        public void onError(Throwable t) {
          acked.completeExceptionally(t);
          ended.complete(null);
        }

        @Override
        public void onCompleted() {
          acked.completeExceptionally(new IllegalStateException("stream ended before it was registered"));
          ended.complete(null);
        }
      });
      requests.onNext(any(StreamInit.newBuilder().setId(id).build()));
      try {
        acked.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        requests.cancel("stream not registered", e);
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        throw SandboxdException.unavailable("containerd: open stream " + id + ": " + cause, cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        requests.cancel("interrupted", e);
        throw SandboxdException.unavailable("interrupted while opening stream " + id, e);
      }
    }

    private ClientCallStreamObserver<Any> requests() {
      return requests;
    }

    /**
     * Ends the stream once the transfer call returned: containerd keeps its side open until the
     * client goes (its stream handler waits for the call's context), so waiting would only add time.
     */
    @Override
    public void close() {
      synchronized (this) {
        if (!ended.isDone()) {
          requests.cancel("transfer done", null);
        }
      }
    }
  }
}
