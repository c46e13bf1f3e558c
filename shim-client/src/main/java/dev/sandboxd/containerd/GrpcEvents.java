package dev.sandboxd.containerd;

import com.google.protobuf.InvalidProtocolBufferException;
import containerd.services.events.v1.EventsGrpc;
import containerd.services.events.v1.EventsOuterClass.SubscribeRequest;
import containerd.types.Event.Envelope;
import dev.sandboxd.errdefs.GrpcErrors;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

final class GrpcEvents implements Events {
  private static final Logger LOG = Logger.getLogger(GrpcEvents.class.getName());

  private final EventsGrpc.EventsStub stub;
  private final String namespace;

  GrpcEvents(Channel channel, String namespace) {
    this.stub = EventsGrpc.newStub(channel);
    this.namespace = namespace;
  }

  @Override
  public Subscription subscribe(List<String> filters, EventListener listener) {
    StreamObserver observer = new StreamObserver(listener);
    stub.subscribe(SubscribeRequest.newBuilder().addAllFilters(scoped(namespace, filters)).build(), observer);
    return observer;
  }

  /**
   * containerd delivers every namespace's events to every subscriber; its filters are ORed across
   * the list and ANDed within one (comma-separated), so the namespace goes into each.
   */
  static List<String> scoped(String namespace, List<String> filters) {
    String ns = "namespace==\"" + namespace + "\"";
    if (filters.isEmpty()) {
      return List.of(ns);
    }
    List<String> scoped = new ArrayList<>();
    for (String f : filters) {
      scoped.add(ns + "," + f);
    }
    return scoped;
  }

  private static final class StreamObserver implements ClientResponseObserver<SubscribeRequest, Envelope>, Subscription {
    private final EventListener listener;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile ClientCallStreamObserver<SubscribeRequest> call;

    StreamObserver(EventListener listener) {
      this.listener = listener;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
      this.call = requestStream;
    }

    @Override
    public void onNext(Envelope envelope) {
      if (done.get()) {
        return;
      }
      ContainerdEvent event;
      try {
        event = EventDecoder.decode(envelope);
      } catch (InvalidProtocolBufferException e) {
        // One malformed payload must not end the stream that carries every exit.
        LOG.log(Level.WARNING, "containerd event " + envelope.getTopic() + " cannot be decoded", e);
        return;
      }
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        // A failing listener must not end the stream for the events that follow.
        LOG.log(Level.WARNING, "event listener failed on " + event, e);
      }
    }

    @Override
    public void onError(Throwable t) {
      if (done.compareAndSet(false, true)) {
        listener.onEnd(Optional.of(GrpcErrors.fromStatus("containerd: event stream", t)));
      }
    }

    @Override
    public void onCompleted() {
      if (done.compareAndSet(false, true)) {
        listener.onEnd(Optional.<SandboxdException>empty());
      }
    }

    @Override
    public void close() {
      if (done.compareAndSet(false, true)) {
        call.cancel("subscription closed", null);
      }
    }
  }
}
