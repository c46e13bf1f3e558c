package dev.sandboxd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.Event;
import dev.sandboxd.api.v1.EventsRequest;
import dev.sandboxd.api.v1.LogChunk;
import dev.sandboxd.api.v1.LogsRequest;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.lifecycle.LifecycleEvent;
import dev.sandboxd.lifecycle.LifecycleEvents;
import dev.sandboxd.lifecycle.UnsupportedPodLifecycle;
import io.grpc.Status;
import java.io.IOException;
import dev.sandboxd.containerlog.LogOptions;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's streams hold a small window per client however slow it is. */
class PodsServiceStreamsTest {
  private static final long LOG_BYTES = 64L << 20;

  private final AtomicLong logBytesRead = new AtomicLong();
  private final LifecycleEvents feed = new LifecycleEvents();
  private final PodsService service = new PodsService(new UnsupportedPodLifecycle() {
    @Override
    public void logs(String podRef, String container, LogOptions options, OutputStream out, BooleanSupplier keepFollowing) {
      byte[] line = "a line of a big log\n".getBytes();
      try {
        while (logBytesRead.get() < LOG_BYTES && keepFollowing.getAsBoolean()) {
          out.write(line);
          logBytesRead.addAndGet(line.length);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public LifecycleEvents events() {
      return feed;
    }
  }, (pid, port) -> {
    throw new UnsupportedOperationException("port-forward");
  }, java.util.Optional::empty, Executors.newCachedThreadPool());

  @Test
  void aLogIsReadNoFasterThanTheClientTakesIt() throws Exception {
    FakeServerStream<LogChunk> stream = new FakeServerStream<>();
    service.logs(LogsRequest.newBuilder().setPod(PodRef.newBuilder().setRef("p")).setContainer("c").build(), stream);
    Thread.sleep(500);
    assertEquals(0, stream.sent().size(), "nothing is sent while the client is not ready");
    assertTrue(logBytesRead.get() <= 8 * 32 * 1024, "read " + logBytesRead.get() + " bytes for a client that took none");

    stream.becomeReady();
    for (int i = 0; i < 100 && !stream.completed; i++) {
      Thread.sleep(100);
    }
    assertTrue(stream.completed, "a client that keeps up gets the whole log");
    assertEquals(logBytesRead.get(), stream.sent().stream().mapToLong(c -> c.getData().size()).sum());
  }

  @Test
  void aCancelledLogStopsBeingRead() throws Exception {
    FakeServerStream<LogChunk> stream = new FakeServerStream<>();
    service.logs(LogsRequest.newBuilder().setPod(PodRef.newBuilder().setRef("p")).setContainer("c").build(), stream);
    Thread.sleep(200);
    stream.cancel();
    Thread.sleep(300);
    long after = logBytesRead.get();
    Thread.sleep(300);
    assertEquals(after, logBytesRead.get(), "reading stopped");
  }

  /** Every published event is also logged at INFO; thousands of them would bury the test's output. */
  @BeforeEach
  void quietEvents() {
    java.util.logging.Logger.getLogger("dev.sandboxd.events").setLevel(java.util.logging.Level.WARNING);
  }

  @AfterEach
  void eventsAsBefore() {
    java.util.logging.Logger.getLogger("dev.sandboxd.events").setLevel(null);
  }

  @Test
  void aFollowerThatFallsTooFarBehindIsDroppedNotBuffered() {
    FakeServerStream<Event> stream = new FakeServerStream<>();
    service.events(EventsRequest.newBuilder().setFollow(true).build(), stream);
    for (int i = 0; i < 5000; i++) {
      feed.publish(new LifecycleEvent(Instant.now(), "default/p", "uid", "c", LifecycleEvent.Type.ContainerStarted, "", "run " + i));
    }
    assertEquals(0, stream.sent().size());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, stream.error.getCode(), String.valueOf(stream.error));
  }

  @Test
  void aFollowerThatKeepsUpGetsEveryEvent() {
    FakeServerStream<Event> stream = new FakeServerStream<>();
    stream.ready = true;
    service.events(EventsRequest.newBuilder().setFollow(true).build(), stream);
    for (int i = 0; i < 5000; i++) {
      feed.publish(new LifecycleEvent(Instant.now(), "default/p", "uid", "c", LifecycleEvent.Type.ContainerStarted, "", "run " + i));
    }
    assertEquals(5000, stream.sent().size());
    assertEquals(null, stream.error);
  }
}
