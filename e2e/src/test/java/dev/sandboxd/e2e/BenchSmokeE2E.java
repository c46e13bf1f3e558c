package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.bench.Bench;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness end to end, a few iterations only, so it cannot rot: the report is written
 * and holds every figure the README quotes. No target is asserted: that is hack/bench's job on a
 * quiet machine, never a test's.
 */
class BenchSmokeE2E {
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("bench");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aShortRunWritesTheReport(@TempDir Path out) throws Exception {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    int exit = Bench.execute(new PrintStream(progress, true, StandardCharsets.UTF_8),
        "--repo", Node.REPO.toString(), "--node-dir", node.dir.toString(), "--out", out.toString(),
        "--runs", "2", "--warmup", "0", "--throughput-pods", "3", "--concurrency", "1,4",
        "--overhead-pods", "0,2", "--settle-seconds", "0", "--idle-seconds", "1",
        // The node's own sandboxd as the compared one: the harness's side of a comparison.
        "--compare-sandboxd", node.sandboxdAddress());
    assertEquals(0, exit, () -> progress.toString(StandardCharsets.UTF_8));

    JsonNode report = new ObjectMapper().readTree(out.resolve("latest.json").toFile());
    for (String scenario : List.of("sandboxd_pause_pod", "sandboxd_one_container_pod", "sandboxd_three_container_pod",
        "sandboxd_stop_remove_pause_pod", "ctr_pause", "ctr_pause_then_app", "runc_pause",
        "compared_sandboxd_pause_pod", "compared_sandboxd_one_container_pod", "compared_sandboxd_stop_remove_pause_pod")) {
      JsonNode stats = report.path("latency").path(scenario);
      for (String field : List.of("p50_ms", "p90_ms", "p99_ms", "max_ms")) {
        assertTrue(stats.path(field).asDouble() > 0, scenario + "." + field + " in " + stats);
      }
      assertEquals(2, stats.path("runs").asInt(), scenario + ".runs");
    }
    for (String ratio : List.of("pause_pod_p50_vs_ctr", "pause_pod_p99_vs_ctr", "one_container_pod_p50_vs_ctr",
        "pause_pod_p50_vs_runc", "compared_pause_pod_p50_vs_ctr", "pause_pod_p50_vs_compared",
        "one_container_pod_p99_vs_compared")) {
      assertTrue(report.path("ratios").path(ratio).asDouble() > 0, ratio + " in " + report.path("ratios"));
    }
    assertEquals(2, report.path("throughput").size());
    assertEquals(0, report.path("throughput").path(1).path("errors").asInt(), report.path("throughput").toString());
    assertEquals(1, report.path("overhead").path("per_pod").path("max_shims_per_pod").asInt());
    assertTrue(report.path("overhead").path("sandboxd").path(1).path("rss_mb").asDouble() > 0);
    assertTrue(Files.readString(out.resolve("latest.md")).contains("| `pause_pod_p50_vs_ctr` |"));
    assertTrue(node.ctr("containers", "list", "-q").stdout().isBlank(), "the benchmark leaves no container behind");
  }
}
