package dev.sandboxd.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(MetricsServer server, String path, String accept) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path));
    if (accept != null) {
      request.header("Accept", accept);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesPrometheusTextOrOpenMetricsAndHealth() throws Exception {
    AtomicBoolean ready = new AtomicBoolean(false);
    try (SandboxdMeters meters = new SandboxdMeters("test");
        MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), meters, ready::get)) {
      meters.oomKilled();
      HttpResponse<String> text = get(server, "/metrics", null);
      assertEquals(200, text.statusCode());
      assertTrue(text.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
      assertTrue(text.body().contains("sandboxd_container_oom_kills_total 1.0"), text.body());

      HttpResponse<String> open = get(server, "/metrics", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
      assertTrue(open.headers().firstValue("Content-Type").orElseThrow().startsWith("application/openmetrics-text"));
      assertTrue(open.body().endsWith("# EOF\n"), open.body());

      assertEquals(200, get(server, "/healthz", null).statusCode());
      assertEquals(503, get(server, "/readyz", null).statusCode());
      ready.set(true);
      assertEquals(200, get(server, "/readyz", null).statusCode());
    }
  }

  @Test
  void parsesHostAndPort() {
    assertEquals(9450, MetricsServer.parseAddress("127.0.0.1:9450").getPort());
    assertEquals(0, MetricsServer.parseAddress("[::1]:0").getPort());
    assertThrows(IllegalArgumentException.class, () -> MetricsServer.parseAddress("localhost"));
    assertThrows(IllegalArgumentException.class, () -> MetricsServer.parseAddress("127.0.0.1:http"));
    assertThrows(IllegalArgumentException.class, () -> MetricsServer.parseAddress("127.0.0.1:70000"));
  }
}
