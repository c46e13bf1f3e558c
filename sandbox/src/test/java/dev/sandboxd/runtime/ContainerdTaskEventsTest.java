package dev.sandboxd.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.containerd.ContainerdEvent;
import dev.sandboxd.containerd.EventListener;
import dev.sandboxd.containerd.Events;
import dev.sandboxd.containerd.Subscription;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.supervisor.ManualScheduler;
import dev.sandboxd.supervisor.TaskEventHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's one task event subscription: what reaches the supervisor, and how the stream comes
 * back after it ends. Time is the manual scheduler's; delivery runs on the class's own thread, so
 * the handler's calls are awaited.
 */
class ContainerdTaskEventsTest {
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  private final ManualScheduler scheduler = new ManualScheduler(T0);
  private final FakeEvents events = new FakeEvents();
  private final RecordingHandler handler = new RecordingHandler();
  private final List<Integer> reconnects = new ArrayList<>();
  private int reconnectNows;
  private final ContainerdTaskEvents taskEvents =
      new ContainerdTaskEvents(events, handler, scheduler, reconnects::add, () -> reconnectNows++);

  @AfterEach
  void close() {
    taskEvents.close();
  }

  @Test
  void startSubscribesToExitsOomsAndImageChangesThenTellsTheHandlerToReconcile() throws Exception {
    taskEvents.start();

    assertEquals(List.of(List.of("topic==\"/tasks/exit\"", "topic==\"/tasks/oom\"", "topic==\"/images/create\"",
        "topic==\"/images/update\"", "topic==\"/images/delete\"")), events.filters);
    assertEquals("streamStarted", handler.next());
    assertTrue(taskEvents.live());
    assertEquals(List.of(), reconnects);
  }

  @Test
  void exitsOfInitProcessesAndOomsAreHandedOnInOrderExecExitsAreNot() throws Exception {
    taskEvents.start();
    assertEquals("streamStarted", handler.next());

    events.send(new ContainerdEvent.TaskOom("sandboxd", T0, "c1"));
    events.send(exit("c1", "c1", 137));
    events.send(exit("c2", "exec-1234", 1)); // an exec (or probe) in c2 ended: c2 still runs
    events.send(exit("c3", "", 0)); // containerd leaves the id empty for the init process too
    events.send(new ContainerdEvent.TaskStart("sandboxd", T0, "c4", 4321)); // not asked for, ignored

    assertEquals("oom c1", handler.next());
    assertEquals("exit c1 137 " + T0.plusSeconds(1), handler.next());
    assertEquals("exit c3 0 " + T0.plusSeconds(1), handler.next());
    events.send(exit("c5", "c5", 2));
    assertEquals("exit c5 2 " + T0.plusSeconds(1), handler.next()); // nothing came between
    events.send(new ContainerdEvent.ImageChange("sandboxd", T0, "/images/update", "localhost/app:1"));
    assertEquals("image localhost/app:1", handler.next());
  }

  @Test
  void aHandlerExceptionDoesNotStopDelivery() throws Exception {
    taskEvents.start();
    assertEquals("streamStarted", handler.next());
    handler.failOn = "c1";

    events.send(exit("c1", "c1", 1));
    events.send(exit("c2", "c2", 0));

    assertEquals("exit c1 1 " + T0.plusSeconds(1), handler.next());
    assertEquals("exit c2 0 " + T0.plusSeconds(1), handler.next());
  }

  @Test
  void whenTheStreamEndsItSubscribesAgainAndTheHandlerReconciles() throws Exception {
    taskEvents.start();
    assertEquals("streamStarted", handler.next());

    events.end(Optional.of(SandboxdException.unavailable("containerd: connection reset", null)));

    assertFalse(taskEvents.live());
    assertEquals(1, reconnectNows, "the connection's own back-off is skipped");
    scheduler.advance(Duration.ofMillis(199));
    assertEquals(1, events.attempts.size());
    scheduler.advance(Duration.ofMillis(1));
    assertEquals(2, events.attempts.size());
    assertEquals("streamStarted", handler.next());
    assertTrue(taskEvents.live());
    assertEquals(List.of(1), reconnects);

    // and events flow on the new stream
    events.send(exit("c1", "c1", 0));
    assertEquals("exit c1 0 " + T0.plusSeconds(1), handler.next());
  }

  @Test
  void failedResubscriptionsWaitLongerEachTimeUpToFiveSeconds() throws Exception {
    taskEvents.start();
    assertEquals("streamStarted", handler.next());
    events.failNext = 7;

    events.end(Optional.empty());
    scheduler.advance(Duration.ofMinutes(1));

    List<Long> waits = new ArrayList<>();
    for (int i = 1; i < events.attempts.size(); i++) {
      waits.add(Duration.between(events.attempts.get(i - 1), events.attempts.get(i)).toMillis());
    }
    // from the first subscription (at 0) to the end (also at 0), then 200 ms; 7 failures in between
    assertEquals(List.of(200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L), waits);
    assertTrue(taskEvents.live());
    assertEquals(List.of(8), reconnects);
    assertEquals("streamStarted", handler.next());
    assertEquals(0, scheduler.pendingCount(), "no retry left over once subscribed");
  }

  @Test
  void aFirstSubscriptionThatFailsIsRetriedWithBackOffToo() throws Exception {
    events.failNext = 2;

    taskEvents.start();
    assertFalse(taskEvents.live());
    scheduler.advance(Duration.ofMillis(200));
    assertFalse(taskEvents.live());
    scheduler.advance(Duration.ofMillis(400));

    assertTrue(taskEvents.live());
    assertEquals(List.of(T0, T0.plusMillis(200), T0.plusMillis(600)), events.attempts);
    assertEquals("streamStarted", handler.next());
    assertEquals(List.of(2), reconnects);
  }

  @Test
  void afterCloseTheStreamIsClosedAndNotRenewed() throws Exception {
    taskEvents.start();
    assertEquals("streamStarted", handler.next());

    taskEvents.close();

    assertTrue(events.closed);
    assertFalse(taskEvents.live());
    assertEquals(0, scheduler.pendingCount());
  }

  private static ContainerdEvent.TaskExit exit(String containerId, String processId, int status) {
    return new ContainerdEvent.TaskExit("sandboxd", T0, containerId, processId, 100, status, T0.plusSeconds(1));
  }

  /** containerd's event stream: one live listener at a time; subscriptions can be made to fail. */
  private final class FakeEvents implements Events {
    final List<List<String>> filters = new ArrayList<>();
    final List<Instant> attempts = new ArrayList<>();
    int failNext;
    EventListener listener;
    boolean closed;

    @Override
    public synchronized Subscription subscribe(List<String> filters, EventListener listener) {
      attempts.add(scheduler.now());
      if (failNext > 0) {
        failNext--;
        throw SandboxdException.unavailable("containerd: connection refused", null);
      }
      this.filters.add(filters);
      this.listener = listener;
      return () -> closed = true;
    }

    void send(ContainerdEvent event) {
      listener.onEvent(event);
    }

    void end(Optional<SandboxdException> error) {
      listener.onEnd(error);
    }
  }

  /** Writes each call down as a line; can be made to throw on one container's exit. */
  private static final class RecordingHandler implements TaskEventHandler {
    final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
    volatile String failOn = "";

    @Override
    public void taskExited(String containerId, int exitCode, Instant exitedAt) {
      calls.add("exit " + containerId + " " + exitCode + " " + exitedAt);
      if (containerId.equals(failOn)) {
        throw new IllegalStateException("handler failed on " + containerId);
      }
    }

    @Override
    public void taskOomKilled(String containerId) {
      calls.add("oom " + containerId);
    }

    @Override
    public void imageChanged(String name) {
      calls.add("image " + name);
    }

    @Override
    public void streamStarted() {
      calls.add("streamStarted");
    }

    String next() throws InterruptedException {
      String call = calls.poll(5, TimeUnit.SECONDS);
      if (call == null) {
        throw new AssertionError("the handler heard nothing within 5 s");
      }
      return call;
    }
  }
}
