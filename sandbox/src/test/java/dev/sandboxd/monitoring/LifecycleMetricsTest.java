package dev.sandboxd.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.lifecycle.LifecycleEvent;
import dev.sandboxd.lifecycle.LifecycleEvent.Type;
import dev.sandboxd.lifecycle.LifecycleEvents;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleMetricsTest {
  private final RecordingMetrics metrics = new RecordingMetrics();
  private final LifecycleEvents events = new LifecycleEvents();

  LifecycleMetricsTest() {
    events.subscribe(new LifecycleMetrics(metrics));
  }

  private void publish(String container, Type type, String reason) {
    events.publish(new LifecycleEvent(Instant.EPOCH, "team-a/web", "uid-1", container, type, reason, "message"));
  }

  @Test
  void eachEventMovesItsMeter() {
    publish("app", Type.ContainerRestarted, "");
    publish("app", Type.ContainerExited, "Error");
    publish("app", Type.ContainerOomKilled, "OOMKilled");
    publish("app", Type.ProbeFailed, "liveness");
    publish("", Type.SandboxRemoved, "");
    assertEquals(List.of(
        "restarted team-a web app",
        "exited Error",
        "oomKilled",
        "probeFailed liveness",
        "removed team-a web"), metrics.calls);
  }

  @Test
  void eventsWithoutAMeterMoveNothing() {
    for (Type type : List.of(Type.SandboxCreated, Type.SandboxReady, Type.SandboxStopped, Type.ContainerCreated,
        Type.ContainerStarted, Type.ContainerBackOff)) {
      publish("app", type, "");
    }
    assertEquals(List.of(), metrics.calls);
  }
}
