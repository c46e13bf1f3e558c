package dev.sandboxd.containerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import containerd.events.Task;
import containerd.services.events.v1.EventsGrpc;
import containerd.services.events.v1.EventsOuterClass.SubscribeRequest;
import containerd.types.Event.Envelope;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GrpcEventsTest {
  private final AtomicReference<List<String>> filters = new AtomicReference<>();
  private final AtomicReference<ServerCallStreamObserver<Envelope>> stream = new AtomicReference<>();
  private final CountDownLatch subscribed = new CountDownLatch(1);
  private final CountDownLatch serverSawCancel = new CountDownLatch(1);

  private final EventsGrpc.EventsImplBase events =
      new EventsGrpc.EventsImplBase() {
        @Override
        public void subscribe(SubscribeRequest request, StreamObserver<Envelope> response) {
          filters.set(request.getFiltersList());
          ServerCallStreamObserver<Envelope> s = (ServerCallStreamObserver<Envelope>) response;
          s.setOnCancelHandler(serverSawCancel::countDown);
          stream.set(s);
          subscribed.countDown();
        }
      };

  private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
  private final EventListener listener =
      new EventListener() {
        @Override
        public void onEvent(ContainerdEvent event) {
          received.add(event);
        }

        @Override
        public void onEnd(Optional<SandboxdException> error) {
          received.add(error);
        }
      };

  @Test
  void deliversDecodedEventsThenReportsTheStreamEnd() throws Exception {
    try (InProcessContainerd containerd = new InProcessContainerd(events)) {
      containerd.connection.events().subscribe(List.of("topic==\"/tasks/exit\""), listener);
      assertTrue(subscribed.await(5, TimeUnit.SECONDS));
      assertEquals(List.of("namespace==\"test-ns\",topic==\"/tasks/exit\""), filters.get());

      stream.get().onNext(exit("c1", 3));
      ContainerdEvent.TaskExit exit = (ContainerdEvent.TaskExit) received.poll(5, TimeUnit.SECONDS);
      assertEquals("c1", exit.containerId());
      assertEquals(3, exit.exitStatus());

      stream.get().onError(Status.UNAVAILABLE.withDescription("containerd is shutting down").asRuntimeException());
      Optional<?> end = (Optional<?>) received.poll(5, TimeUnit.SECONDS);
      assertInstanceOf(SandboxdException.Unavailable.class, end.orElseThrow());
    }
  }

  @Test
  void serverCompletionIsAnEndWithoutError() throws Exception {
    try (InProcessContainerd containerd = new InProcessContainerd(events)) {
      containerd.connection.events().subscribe(List.of(), listener);
      assertTrue(subscribed.await(5, TimeUnit.SECONDS));
      stream.get().onCompleted();
      assertEquals(Optional.empty(), received.poll(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void closingCancelsTheStreamWithoutCallingOnEnd() throws Exception {
    try (InProcessContainerd containerd = new InProcessContainerd(events)) {
      Subscription subscription = containerd.connection.events().subscribe(List.of(), listener);
      assertTrue(subscribed.await(5, TimeUnit.SECONDS));
      subscription.close();
      assertTrue(serverSawCancel.await(5, TimeUnit.SECONDS));
      assertEquals(null, received.poll(200, TimeUnit.MILLISECONDS));
    }
  }

  private static Envelope exit(String containerId, int status) {
    Task.TaskExit exit = Task.TaskExit.newBuilder().setContainerId(containerId).setId(containerId).setExitStatus(status).build();
    return Envelope.newBuilder()
        .setNamespace("test-ns")
        .setTopic("/tasks/exit")
        .setEvent(Any.newBuilder().setTypeUrl("containerd.events.TaskExit").setValue(exit.toByteString()))
        .build();
  }
}
