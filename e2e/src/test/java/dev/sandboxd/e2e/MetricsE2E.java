package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.RunPodRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sandboxd's metrics as Prometheus sees them: a real Prometheus (Debian's, from hack/deps)
 * scrapes the node's sandboxd every second while pods run, crash and go; promtool checks a scrape.
 */
class MetricsE2E {
  private static final Path PROMETHEUS_BIN = Node.REPO.resolve(".cache/root/usr/bin");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static Node node;
  private static Process prometheus;
  private static Path prometheusDir;
  private static String prometheusUrl;

  @BeforeAll
  static void start() throws Exception {
    // A short back-off so the crashing container restarts twice within seconds.
    node = Node.start("metrics", "--restart-backoff", "1s", "--restart-backoff-max", "2s");
    prometheusDir = Files.createTempDirectory("sandboxd-prometheus");
    Files.writeString(prometheusDir.resolve("prometheus.yml"), """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        scrape_configs:
        - job_name: sandboxd
          static_configs: [{targets: ['%s']}]
        """.formatted(node.metricsAddress()));
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    prometheusUrl = "http://127.0.0.1:" + port;
    prometheus = new ProcessBuilder(PROMETHEUS_BIN.resolve("prometheus").toString(),
        "--config.file=" + prometheusDir.resolve("prometheus.yml"),
        "--storage.tsdb.path=" + prometheusDir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true)
        .redirectOutput(prometheusDir.resolve("prometheus.log").toFile())
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
    if (node != null) {
      node.close();
    }
    if (prometheusDir != null) {
      Node.Command.run("rm", "-rf", prometheusDir.toString());
    }
  }

  @Test
  void prometheusSeesPodsRestartsLatenciesAndRemovals() throws Exception {
    for (String name : List.of("steady", "doomed")) {
      run("""
          apiVersion: v1
          kind: Pod
          metadata: {name: %s}
          spec:
            containers:
            - {name: app, image: %s, command: [sleep, '3600']}
          """.formatted(name, Node.BUSYBOX));
    }
    // Fails twice, then keeps running: an emptyDir outlives the container's restarts.
    run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: crasher}
        spec:
          volumes: [{name: work, emptyDir: {}}]
          containers:
          - name: app
            image: %s
            volumeMounts: [{name: work, mountPath: /work}]
            command: [sh, -c, 'if [ -f /work/2 ]; then exec sleep 3600; fi; if [ -f /work/1 ]; then touch /work/2; else touch /work/1; fi; exit 1']
        """.formatted(Node.BUSYBOX));

    assertEquals(2.0, query("sandboxd_container_restarts_total{namespace=\"default\",pod=\"crasher\",container=\"app\"}", v -> v == 2.0));
    assertEquals(3.0, query("sandboxd_pods{phase=\"Running\"}", v -> v == 3.0));
    assertEquals(3.0, query("sum(sandboxd_operation_duration_seconds_count{operation=\"sandbox_run\"})", v -> v == 3.0));
    assertEquals(3.0, query("sum(sandboxd_operation_duration_seconds_bucket{operation=\"sandbox_run\",le=\"+Inf\"})", v -> v == 3.0));
    assertTrue(query("histogram_quantile(0.5, sum by (le) (sandboxd_operation_duration_seconds_bucket{operation=\"sandbox_run\"}))",
        v -> v > 0) > 0);
    assertTrue(query("sum(sandboxd_containerd_call_duration_seconds_count{service=\"tasks\",method=\"Create\"})", v -> v >= 6) >= 6,
        "3 pause tasks and at least 3 app tasks");
    // pause and busybox at least; counted every 10 s.
    double images = node.ctr("images", "ls", "-q").stdout().lines().filter(l -> !l.isBlank()).count();
    assertTrue(images >= 2, "ctr lists the pause and busybox images");
    assertEquals(images, query("sandboxd_images", v -> v == images), "the images ctr lists");
    // cpu.stat is in every cgroup2 directory, whatever controllers the host delegates.
    assertEquals(1.0, query("count(sandboxd_pod_cpu_usage_seconds_total{pod=\"doomed\"})", v -> v == 1.0));

    checkScrapeWithPromtool();
    checkEndpoints();

    node.pods().removePod(RemovePodRequest.newBuilder().setPod(PodRef.newBuilder().setRef("doomed")).setForce(true).build());
    assertEquals(0.0, query("count({pod=\"doomed\"}) or vector(0)", v -> v == 0.0), "the removed pod's series are gone");
    assertEquals(2.0, query("sandboxd_pods{phase=\"Running\"}", v -> v == 2.0));
    assertEquals(1.0, query("sum(sandboxd_operation_duration_seconds_count{operation=\"sandbox_remove\",outcome=\"success\"})", v -> v == 1.0));
  }

  private static void checkScrapeWithPromtool() throws Exception {
    String scrape = get("/metrics", "text/plain").body();
    Process promtool = new ProcessBuilder(PROMETHEUS_BIN.resolve("promtool").toString(), "check", "metrics")
        .redirectErrorStream(true).start();
    try (var in = promtool.getOutputStream()) {
      in.write(scrape.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
    assertEquals("", output, "promtool check metrics on a real scrape");
    assertEquals(0, promtool.exitValue());
  }

  private static void checkEndpoints() throws Exception {
    HttpResponse<String> open = get("/metrics", "application/openmetrics-text; version=1.0.0");
    assertTrue(open.headers().firstValue("Content-Type").orElseThrow().startsWith("application/openmetrics-text"));
    assertTrue(open.body().endsWith("# EOF\n"));
    assertEquals(200, get("/healthz", "*/*").statusCode());
    assertEquals(200, get("/readyz", "*/*").statusCode());
  }

  private static HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node.metricsAddress() + path)).header("Accept", accept).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Asks Prometheus' HTTP API until the expression has one sample that satisfies the condition
   * (scrapes come every second); returns that value.
   */
  private static double query(String promql, Predicate<Double> condition) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(40));
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      try {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(
            prometheusUrl + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))).build(),
            HttpResponse.BodyHandlers.ofString());
        last = response.body();
        JsonNode result = JSON.readTree(last).path("data").path("result");
        if (result.size() == 1) {
          double value = Double.parseDouble(result.get(0).path("value").get(1).asText());
          if (condition.test(value)) {
            return value;
          }
        }
      } catch (IOException e) {
        last = e.toString(); // Prometheus still starting
      }
      Thread.sleep(250);
    }
    throw new AssertionError("Prometheus never gave a matching value for " + promql + "; last answer: " + last
        + "\nprometheus log: " + Node.tail(prometheusDir.resolve("prometheus.log")) + "\nsandboxd log: " + node.sandboxdLog());
  }

  private static void run(String manifest) {
    node.pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build());
  }
}
