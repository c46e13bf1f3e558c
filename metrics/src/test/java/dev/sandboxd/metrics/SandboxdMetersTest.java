package dev.sandboxd.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.metrics.SandboxdMetrics.Operation;
import dev.sandboxd.metrics.SandboxdMetrics.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SandboxdMetersTest {
  private final SandboxdMeters meters = new SandboxdMeters("1.2.3");

  @AfterEach
  void close() {
    meters.close();
  }

  private String scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    meters.scrape(out, MetricsServer.PROMETHEUS_TEXT);
    return out.toString(StandardCharsets.UTF_8);
  }

  private static PodUsage usage(String ns, String name, long pids) {
    return new PodUsage(ns, name, OptionalDouble.of(1.5), OptionalLong.of(4096), OptionalLong.of(8192), OptionalLong.of(pids));
  }

  @Test
  void operationsFillTheLatencyHistogramWithBucketsFrom5msTo60s() throws IOException {
    meters.operation(Operation.SANDBOX_RUN, Outcome.SUCCESS, Duration.ofMillis(120));
    meters.operation(Operation.SANDBOX_RUN, Outcome.ERROR, Duration.ofMillis(3));
    String text = scrape();
    assertTrue(text.contains("sandboxd_operation_duration_seconds_count{operation=\"sandbox_run\",outcome=\"success\"} 1"), text);
    assertTrue(text.contains("sandboxd_operation_duration_seconds_bucket{operation=\"sandbox_run\",outcome=\"success\",le=\"0.25\"} 1"), text);
    assertTrue(text.contains("sandboxd_operation_duration_seconds_bucket{operation=\"sandbox_run\",outcome=\"success\",le=\"0.1\"} 0"), text);
    assertTrue(text.contains("le=\"0.005\""), text);
    assertTrue(text.contains("le=\"60.0\""), text);
    assertTrue(text.contains("sandboxd_operation_duration_seconds_count{operation=\"sandbox_run\",outcome=\"error\"} 1"), text);
  }

  @Test
  void countersMoveOnePerCall() throws IOException {
    meters.containerRestarted("default", "web", "app");
    meters.containerRestarted("default", "web", "app");
    meters.containerExited("Error");
    meters.oomKilled();
    meters.probeFailed("liveness");
    meters.eventStreamReconnected();
    meters.containerdCall("tasks", "Create", "OK", Duration.ofMillis(2));
    meters.containerdCall("tasks", "Delete", "NOT_FOUND", Duration.ofMillis(1));
    String text = scrape();
    assertTrue(text.contains("sandboxd_container_restarts_total{container=\"app\",namespace=\"default\",pod=\"web\"} 2.0"), text);
    assertTrue(text.contains("sandboxd_container_exits_total{reason=\"Error\"} 1.0"), text);
    assertTrue(text.contains("sandboxd_container_oom_kills_total 1.0"), text);
    assertTrue(text.contains("sandboxd_probe_failures_total{probe=\"liveness\"} 1.0"), text);
    assertTrue(text.contains("sandboxd_containerd_event_stream_reconnects_total 1.0"), text);
    assertTrue(text.contains("sandboxd_containerd_call_duration_seconds_count{method=\"Create\",service=\"tasks\"} 1"), text);
    assertTrue(text.contains("sandboxd_containerd_call_errors_total{code=\"NOT_FOUND\",method=\"Delete\",service=\"tasks\"} 1.0"), text);
    assertFalse(text.contains("sandboxd_containerd_call_errors_total{code=\"OK\""), text);
  }

  @Test
  void criPodsAreTheirOwnGaugeByStateApartFromSandboxdsPods() throws IOException {
    meters.criPods(Map.of("Created", 0L, "Ready", 2L, "NotReady", 1L));
    meters.podSnapshot(new PodSnapshot(Map.of("Running", 1L), Map.of(), List.of()));
    String text = scrape();
    assertTrue(text.contains("sandboxd_cri_pods{state=\"Ready\"} 2"), text);
    assertTrue(text.contains("sandboxd_cri_pods{state=\"NotReady\"} 1"), text);
    assertTrue(text.contains("sandboxd_pods{phase=\"Running\"} 1"), "sandboxd's own count alone: " + text);

    meters.criPods(Map.of("Created", 0L, "Ready", 0L, "NotReady", 0L));
    assertTrue(scrape().contains("sandboxd_cri_pods{state=\"Ready\"} 0"));
  }

  @Test
  void snapshotsSetPhaseAndStateGaugesAndPodUsage() throws IOException {
    meters.podSnapshot(new PodSnapshot(Map.of("Running", 3L, "Pending", 1L), Map.of("running", 4L),
        List.of(usage("default", "web", 7), new PodUsage("default", "bare", OptionalDouble.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty()))));
    String text = scrape();
    assertTrue(text.contains("sandboxd_pods{phase=\"Running\"} 3"), text);
    assertTrue(text.contains("sandboxd_containers{state=\"running\"} 4"), text);
    assertTrue(text.contains("sandboxd_pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 1.5"), text);
    assertTrue(text.contains("sandboxd_pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} 4096"), text);
    assertTrue(text.contains("sandboxd_pod_memory_peak_bytes{namespace=\"default\",pod=\"web\"} 8192"), text);
    assertTrue(text.contains("sandboxd_pod_pids{namespace=\"default\",pod=\"web\"} 7"), text);
    assertFalse(text.contains("pod=\"bare\""), "no readings, no series: " + text);

    meters.podSnapshot(new PodSnapshot(Map.of("Running", 2L), Map.of(), List.of(usage("default", "web", 9))));
    text = scrape();
    assertTrue(text.contains("sandboxd_pods{phase=\"Running\"} 2"), text);
    assertTrue(text.contains("sandboxd_pods{phase=\"Pending\"} 0"), text);
    assertTrue(text.contains("sandboxd_pod_pids{namespace=\"default\",pod=\"web\"} 9"), text);
  }

  @Test
  void removedPodsLeaveNoSeries() throws IOException {
    meters.podSnapshot(new PodSnapshot(Map.of(), Map.of(), List.of(usage("default", "web", 1), usage("default", "db", 1))));
    meters.containerRestarted("default", "web", "app");
    meters.podRemoved("default", "web");
    String text = scrape();
    assertFalse(text.contains("pod=\"web\""), text);
    assertTrue(text.contains("pod=\"db\""), text);

    meters.podSnapshot(new PodSnapshot(Map.of(), Map.of(), List.of()));
    assertFalse(scrape().contains("pod=\"db\""), "a pod missing from the snapshot is gone");
  }

  @Test
  void buildAndProcessMetricsAreThere() throws IOException {
    String text = scrape();
    assertTrue(text.contains("sandboxd_build_info{"), text);
    assertTrue(text.contains("version=\"1.2.3\""), text);
    assertTrue(text.contains("process_uptime_seconds"), text);
    assertTrue(text.contains("jvm_memory_used_bytes"), text);
  }

  @Test
  void podNamesAreCountedOncePerSeries() {
    meters.containerRestarted("default", "web", "app");
    assertEquals(1, countLines("sandboxd_container_restarts_total{"));
  }

  private long countLines(String prefix) {
    try {
      return scrape().lines().filter(l -> l.startsWith(prefix)).count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
