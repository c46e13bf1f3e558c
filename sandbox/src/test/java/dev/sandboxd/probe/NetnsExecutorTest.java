package dev.sandboxd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Every task gets a fresh thread that switched first; nothing runs when the switch fails. */
class NetnsExecutorTest {

  @Test
  void eachTaskRunsOnItsOwnThreadAfterTheSwitch() throws Exception {
    List<String> log = new ArrayList<>();
    NetnsExecutor netns = new NetnsExecutor(pid -> {
      synchronized (log) {
        log.add("enter " + pid + " on " + Thread.currentThread().getId());
      }
    });
    Thread first = netns.call(7, Duration.ofSeconds(10), () -> recordRun(log));
    Thread second = netns.call(7, Duration.ofSeconds(10), () -> recordRun(log));
    assertNotSame(first, second, "a thread that switched namespaces is never reused");
    assertNotEquals(Thread.currentThread().getId(), first.getId());
    synchronized (log) {
      assertEquals(List.of("enter 7 on " + first.getId(), "run on " + first.getId(),
          "enter 7 on " + second.getId(), "run on " + second.getId()), log);
    }
  }

  @Test
  void aFailedSwitchFailsTheCallWithoutRunningTheTask() {
    IOException denied = new IOException("setns: Operation not permitted");
    NetnsExecutor netns = new NetnsExecutor(pid -> {
      throw denied;
    });
    ExecutionException e = assertThrows(ExecutionException.class, () -> netns.call(7, Duration.ofSeconds(10), () -> {
      throw new AssertionError("must not run");
    }));
    assertSame(denied, e.getCause());
  }

  @Test
  void aTaskThatOutlivesTheTimeoutIsInterruptedAndLeftBehind() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    NetnsExecutor netns = new NetnsExecutor(pid -> {});
    assertThrows(TimeoutException.class, () -> netns.call(7, Duration.ofMillis(50), () -> {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
      return null;
    }));
    interrupted.await();
  }

  private static Thread recordRun(List<String> log) {
    synchronized (log) {
      log.add("run on " + Thread.currentThread().getId());
    }
    return Thread.currentThread();
  }
}
