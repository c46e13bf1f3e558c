package dev.sandboxd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.pod.Probe;
import dev.sandboxd.pod.Supervision;
import dev.sandboxd.supervisor.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** kubelet's probe rules on a hand-driven clock; probe runs happen inline unless a test needs a hanging one. */
class ProbeManagerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Probe.Exec STARTUP = new Probe.Exec(List.of("startup"));
  private static final Probe.Exec LIVENESS = new Probe.Exec(List.of("liveness"));
  private static final Probe.Exec READINESS = new Probe.Exec(List.of("readiness"));

  private final ManualScheduler scheduler = new ManualScheduler(T0);
  private final ScriptedRunner runner = new ScriptedRunner();
  private final RecordingListener listener = new RecordingListener();
  private final ProbeManager manager = new ProbeManager(scheduler, Runnable::run, runner, listener);

  @Test
  void theFirstRunWaitsForTheInitialDelayThenRunsEveryPeriod() {
    manager.start(target("c1", supervision(null, probe(LIVENESS, 5, 2, 1, 3), null)));
    advanceSeconds(4);
    assertEquals(List.of(), runner.times(LIVENESS));
    advanceSeconds(1);
    assertEquals(List.of(5L), runner.times(LIVENESS));
    advanceSeconds(5);
    assertEquals(List.of(5L, 7L, 9L), runner.times(LIVENESS));
  }

  @Test
  void livenessFailsAfterFailureThresholdConsecutiveFailuresThenStops() {
    manager.start(target("c1", supervision(null, probe(LIVENESS, 0, 1, 1, 3), null)));
    runner.answer(LIVENESS, false, false, true, false, false, false, false);
    advanceSeconds(4);
    assertEquals(List.of(), listener.calls("livenessFailed"), "a success in between restarts the count");
    assertEquals(4, listener.calls("probeFailed").size(), "every failed run is reported");
    assertEquals("probeFailed c1 Liveness failure 1", listener.calls("probeFailed").get(0));
    advanceSeconds(1);
    assertEquals(List.of("livenessFailed c1 failure 6"), listener.calls("livenessFailed"));
    advanceSeconds(10);
    assertEquals(6, runner.times(LIVENESS).size(), "the liveness probe stopped after reporting");
    assertEquals(1, listener.calls("livenessFailed").size());
  }

  @Test
  void readinessNeedsSuccessThresholdAndFlipsBothWays() {
    manager.start(target("c1", supervision(null, null, probe(READINESS, 0, 1, 2, 2))));
    assertTrue(manager.started("c1"));
    assertFalse(manager.ready("c1"), "not ready before the readiness probe succeeded");
    runner.answer(READINESS, true, true, false, false, true, false, true, true);
    advanceSeconds(0);
    assertFalse(manager.ready("c1"), "one success is below successThreshold 2");
    advanceSeconds(1);
    assertTrue(manager.ready("c1"));
    advanceSeconds(2);
    assertFalse(manager.ready("c1"));
    advanceSeconds(4);
    assertTrue(manager.ready("c1"), "success, failure, success, success");
    assertEquals(List.of("readinessChanged c1 true", "readinessChanged c1 false", "readinessChanged c1 true"),
        listener.calls("readinessChanged"));
    advanceSeconds(5);
    assertEquals(13, runner.times(READINESS).size(), "readiness keeps running for the container's life");
  }

  @Test
  void theStartupProbeHoldsBackLivenessAndReadinessUntilItSucceedsThenStops() {
    manager.start(target("c1", supervision(probe(STARTUP, 0, 1, 1, 10), probe(LIVENESS, 1, 3, 1, 3), probe(READINESS, 0, 2, 1, 3))));
    runner.answer(STARTUP, false, false, true);
    runner.answer(READINESS, false);
    advanceSeconds(1);
    assertFalse(manager.started("c1"));
    assertFalse(manager.ready("c1"));
    assertEquals(List.of(), runner.times(LIVENESS));
    assertEquals(List.of(), runner.times(READINESS));
    advanceSeconds(1);
    assertTrue(manager.started("c1"));
    assertFalse(manager.ready("c1"), "started, but the readiness probe has not succeeded yet");
    advanceSeconds(6);
    assertEquals(List.of(0L, 1L, 2L), runner.times(STARTUP), "the startup probe stops once it succeeded");
    assertEquals(List.of(2L, 5L, 8L), runner.times(LIVENESS), "the initial delay already passed: liveness runs at once");
    assertEquals(List.of(2L, 4L, 6L, 8L), runner.times(READINESS));
    assertTrue(manager.ready("c1"));
    assertEquals(List.of("readinessChanged c1 true"), listener.calls("readinessChanged"));
  }

  @Test
  void withoutAReadinessProbeAContainerIsReadyOnceStarted() {
    manager.start(target("c1", supervision(probe(STARTUP, 0, 1, 1, 3), null, null)));
    assertFalse(manager.ready("c1"));
    advanceSeconds(0);
    assertTrue(manager.started("c1"));
    assertTrue(manager.ready("c1"));
    assertEquals(List.of("readinessChanged c1 true"), listener.calls("readinessChanged"));

    manager.start(target("c2", Supervision.NONE));
    assertTrue(manager.started("c2"));
    assertTrue(manager.ready("c2"));
    assertFalse(manager.started("unknown"));
    assertFalse(manager.ready("unknown"));
  }

  @Test
  void aStartupFailureIsReportedOnceAndNothingElseRuns() {
    manager.start(target("c1", supervision(probe(STARTUP, 2, 1, 1, 3), probe(LIVENESS, 0, 1, 1, 1), null)));
    runner.answer(STARTUP, false, false, false);
    advanceSeconds(10);
    assertEquals(List.of(2L, 3L, 4L), runner.times(STARTUP));
    assertEquals(List.of("startupFailed c1 failure 3"), listener.calls("startupFailed"));
    assertEquals(List.of(), runner.times(LIVENESS));
    assertFalse(manager.started("c1"));
    assertEquals(0, scheduler.pendingCount());
  }

  @Test
  void aLivenessFailureLeavesReadinessRunningUntilTheContainerIsStopped() {
    manager.start(target("c1", supervision(null, probe(LIVENESS, 0, 1, 1, 1), probe(READINESS, 0, 1, 1, 1))));
    runner.answer(LIVENESS, false);
    advanceSeconds(2);
    assertEquals(List.of("livenessFailed c1 failure 1"), listener.calls("livenessFailed"));
    assertEquals(List.of(0L), runner.times(LIVENESS));
    assertEquals(List.of(0L, 1L, 2L), runner.times(READINESS));
  }

  @Test
  void stopCancelsEverythingAndStopAllStopsAPod() {
    manager.start(target("c1", supervision(null, probe(LIVENESS, 0, 1, 1, 3), probe(READINESS, 0, 1, 1, 3))));
    manager.start(new ProbeTarget("pod-2", "other", "c2", 42, supervision(null, null, probe(READINESS, 0, 1, 1, 3))));
    advanceSeconds(1);
    manager.stop("c1");
    advanceSeconds(5);
    assertEquals(List.of(0L, 1L), runner.times(LIVENESS));
    assertEquals(List.of(0L, 0L, 1L, 1L, 2L, 3L, 4L, 5L, 6L), runner.times(READINESS), "only c2 still runs");
    assertFalse(manager.ready("c1"));
    manager.stopAll("pod-2");
    assertEquals(0, scheduler.pendingCount());
    assertFalse(manager.ready("c2"));
  }

  @Test
  void theListenerMayRestartTheContainerFromItsCallback() {
    ProbeManager[] self = new ProbeManager[1];
    ProbeTarget restarted = target("c1-restarted", supervision(null, probe(LIVENESS, 0, 1, 1, 1), null));
    self[0] = new ProbeManager(scheduler, Runnable::run, runner, new RecordingListener() {
      @Override
      public void livenessFailed(String containerId, String message) {
        self[0].stop(containerId);
        self[0].start(restarted);
      }
    });
    self[0].start(target("c1", restarted.supervision()));
    runner.answer(LIVENESS, false, true, true);
    advanceSeconds(2);
    assertEquals(List.of(0L, 0L, 1L, 2L), runner.times(LIVENESS), "the restarted container is probed from its start");
    assertFalse(self[0].started("c1"));
    assertTrue(self[0].started("c1-restarted"));
  }

  @Test
  void aRunThatOutlivesItsTimeoutFailsThenFailsAgainEveryPeriodWithoutASecondRun() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Duration> timeouts = new ArrayList<>();
    ProbeRunner hanging = (target, action, timeout) -> {
      timeouts.add(timeout);
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ProbeResult.success();
    };
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      ProbeManager hangingManager = new ProbeManager(scheduler, executor, hanging, listener);
      hangingManager.start(target("c1", supervision(null, probe(LIVENESS, 0, 5, 2, 2), null)));
      advanceSeconds(0);
      assertTrue(entered.await(10, TimeUnit.SECONDS));
      advanceSeconds(1);
      assertEquals(List.of(), listener.calls("probeFailed"), "still within timeoutSeconds");
      advanceSeconds(1);
      assertEquals(List.of("probeFailed c1 Liveness probe did not finish within 2s"), listener.calls("probeFailed"));
      advanceSeconds(3);
      assertEquals(List.of("livenessFailed c1 an earlier run is still going, 2s timeout exceeded"),
          listener.calls("livenessFailed"));
      assertEquals(List.of(Duration.ofSeconds(2)), timeouts, "one run at a time: the hung run was not started again");
    } finally {
      release.countDown();
      executor.shutdown();
      assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  private void advanceSeconds(long seconds) {
    scheduler.advance(Duration.ofSeconds(seconds));
  }

  private static ProbeTarget target(String containerId, Supervision supervision) {
    return new ProbeTarget("pod-1", "app", containerId, 4242, supervision);
  }

  private static Probe probe(Probe.Action action, int initialDelay, int period, int successThreshold, int failureThreshold) {
    return new Probe(action, initialDelay, period, 2, successThreshold, failureThreshold);
  }

  private static Supervision supervision(Probe startup, Probe liveness, Probe readiness) {
    return new Supervision(Optional.empty(), List.of(), Optional.ofNullable(startup), Optional.ofNullable(liveness),
        Optional.ofNullable(readiness));
  }

  /** Answers each action from its script (then success), naming failures by their run number; records when it ran. */
  private final class ScriptedRunner implements ProbeRunner {
    private final Map<Probe.Action, List<Boolean>> scripts = new HashMap<>();
    private final Map<Probe.Action, List<Long>> times = new HashMap<>();

    void answer(Probe.Action action, Boolean... results) {
      scripts.put(action, new ArrayList<>(List.of(results)));
    }

    List<Long> times(Probe.Action action) {
      return times.getOrDefault(action, List.of());
    }

    @Override
    public synchronized ProbeResult run(ProbeTarget target, Probe.Action action, Duration timeout) {
      List<Long> runs = times.computeIfAbsent(action, a -> new ArrayList<>());
      runs.add(Duration.between(T0, scheduler.now()).toSeconds());
      List<Boolean> script = scripts.getOrDefault(action, new ArrayList<>());
      boolean succeeded = script.isEmpty() || script.remove(0);
      return succeeded ? ProbeResult.success() : ProbeResult.failure("failure " + runs.size());
    }
  }

  /** Every call as one line, e.g. "livenessFailed c1 message". */
  private static class RecordingListener implements ProbeListener {
    private final List<String> calls = new ArrayList<>();

    synchronized List<String> calls(String method) {
      return calls.stream().filter(c -> c.startsWith(method + " ")).toList();
    }

    @Override
    public synchronized void livenessFailed(String containerId, String message) {
      calls.add("livenessFailed " + containerId + " " + message);
    }

    @Override
    public synchronized void startupFailed(String containerId, String message) {
      calls.add("startupFailed " + containerId + " " + message);
    }

    @Override
    public synchronized void readinessChanged(String containerId, boolean ready) {
      calls.add("readinessChanged " + containerId + " " + ready);
    }

    @Override
    public synchronized void probeFailed(String containerId, String probeType, String message) {
      calls.add("probeFailed " + containerId + " " + probeType + " " + message);
    }
  }
}
