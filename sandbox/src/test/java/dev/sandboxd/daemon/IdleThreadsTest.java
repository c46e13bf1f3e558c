package dev.sandboxd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleThreadsTest {
  @Test
  void aBurstGetsAThreadPerTaskAndIdleThreadsAreNotKeptAMinute() throws Exception {
    ThreadPoolExecutor pool = (ThreadPoolExecutor) IdleThreads.cachedPool(Thread::new);
    try {
      // Calls that wait on each other (a pod start waiting on its shim's events) must never queue.
      int burst = 8;
      CountDownLatch allRunning = new CountDownLatch(burst);
      CountDownLatch done = new CountDownLatch(burst);
      for (int i = 0; i < burst; i++) {
        pool.execute(() -> {
          allRunning.countDown();
          try {
            if (allRunning.await(30, TimeUnit.SECONDS)) {
              done.countDown();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      assertTrue(done.await(30, TimeUnit.SECONDS), "the burst's tasks did not all run at once");
      assertEquals(0, pool.getCorePoolSize(), "no thread outlives its keep-alive");
      assertEquals(5, pool.getKeepAliveTime(TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
    }
  }
}
