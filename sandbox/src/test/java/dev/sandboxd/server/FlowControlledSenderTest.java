package dev.sandboxd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class FlowControlledSenderTest {
  private static final Supplier<RuntimeException> OVERFLOW = () -> SandboxdException.resourceExhausted("too slow");

  private final FakeServerStream<String> stream = new FakeServerStream<>();
  private final AtomicInteger closed = new AtomicInteger();
  private final FlowControlledSender<String> sender = new FlowControlledSender<>(stream, 3, closed::incrementAndGet);

  @Test
  void aStreamThatIsNotReadyReceivesNothingUntilItIs() {
    assertTrue(sender.offer("a", OVERFLOW));
    assertTrue(sender.offer("b", OVERFLOW));
    sender.complete();
    assertEquals(List.of(), stream.sent(), "nothing may be sent while the client is behind");
    assertFalse(stream.completed, "completion waits for the queued messages");

    stream.becomeReady();

    assertEquals(List.of("a", "b"), stream.sent());
    assertTrue(stream.completed);
    assertEquals(1, closed.get());
  }

  @Test
  void aReadyStreamGetsMessagesAtOnce() {
    stream.ready = true;
    sender.offer("a", OVERFLOW);
    assertEquals(List.of("a"), stream.sent());
  }

  @Test
  void offerFailsTheStreamWhenTheClientFallsTooFarBehind() {
    for (String m : List.of("a", "b", "c")) {
      assertTrue(sender.offer(m, OVERFLOW));
    }
    assertFalse(sender.offer("d", OVERFLOW));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, stream.error.getCode());
    assertEquals(1, closed.get(), "the producer is told to stop (unsubscribe)");
    stream.becomeReady();
    assertEquals(List.of(), stream.sent(), "a failed stream sends nothing more");
    assertFalse(sender.offer("e", OVERFLOW));
  }

  @Test
  void sendWaitsForRoomAndGoesOnWhenTheClientCatchesUp() throws Exception {
    fillTheQueue();
    CompletableFuture<Boolean> fourth = sendInBackground("d");
    Thread.sleep(300);
    assertFalse(fourth.isDone(), "the producer waits while maxQueued messages wait for the client");
    assertEquals(List.of(), stream.sent());

    stream.becomeReady();

    assertTrue(fourth.get(5, TimeUnit.SECONDS));
    assertEquals(List.of("a", "b", "c", "d"), stream.sent());
    assertNull(stream.error);
  }

  @Test
  void sendGivesUpWhenTheClientCancels() throws Exception {
    fillTheQueue();
    CompletableFuture<Boolean> fourth = sendInBackground("d");
    Thread.sleep(100);
    stream.cancel();

    assertFalse(fourth.get(5, TimeUnit.SECONDS));
    assertEquals(1, closed.get());
    assertEquals(List.of(), stream.sent());
  }

  @Test
  void aProducerOnTheCallsOwnThreadSeesReadinessWithoutTheCallback() throws Exception {
    fillTheQueue();
    CompletableFuture<Boolean> fourth = sendInBackground("d");
    stream.ready = true; // no on-ready callback: gRPC holds it back while the handler runs
    assertTrue(fourth.get(5, TimeUnit.SECONDS));
    assertEquals(List.of("a", "b", "c", "d"), stream.sent());
  }

  private void fillTheQueue() throws InterruptedException {
    for (String m : List.of("a", "b", "c")) {
      assertTrue(sender.send(m));
    }
  }

  private CompletableFuture<Boolean> sendInBackground(String message) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return sender.send(message);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
