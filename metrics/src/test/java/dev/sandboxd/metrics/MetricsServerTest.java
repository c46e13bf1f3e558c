package dev.sandboxd.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  /**
   * Clients that send half a request line and stall must not keep others waiting (the JDK
   * HttpServer with one thread froze), and their connections go when the timeout is up.
   */
  @Test
  void stuckClientsDoNotFreezeTheEndpointAndAreClosedAtTheTimeout() throws Exception {
    Duration timeout = Duration.ofSeconds(2);
    List<Socket> stuck = new ArrayList<>();
    try (SandboxdMeters meters = new SandboxdMeters("test");
        MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), meters, () -> true, timeout, 64)) {
      for (int i = 0; i < 10; i++) {
        Socket s = new Socket("127.0.0.1", server.address().getPort());
        s.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        stuck.add(s);
      }
      HttpClient quick = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      long started = System.nanoTime();
      HttpResponse<String> health = quick.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + "/healthz"))
              .timeout(Duration.ofSeconds(1)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertTrue(System.nanoTime() - started < Duration.ofSeconds(1).toNanos());

      for (Socket s : stuck) {
        s.setSoTimeout((int) timeout.plusSeconds(2).toMillis());
        long t0 = System.nanoTime();
        assertEquals(-1, s.getInputStream().read(), "a stuck connection got an answer");
        assertTrue(System.nanoTime() - t0 < timeout.plusSeconds(1).toNanos());
      }
      assertEquals(0, server.openConnections());
    } finally {
      for (Socket s : stuck) {
        s.close();
      }
    }
  }

  @Test
  void oversizedOrMalformedRequestsGetAnError() throws Exception {
    try (SandboxdMeters meters = new SandboxdMeters("test");
        MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), meters, () -> true)) {
      assertEquals("HTTP/1.1 431", rawStatus(server, "GET /healthz HTTP/1.1\r\nX: " + "a".repeat(HttpEndpoint.MAX_REQUEST_BYTES)));
      assertEquals("HTTP/1.1 400", rawStatus(server, "nonsense\r\n\r\n"));
      assertEquals("HTTP/1.1 405", rawStatus(server, "POST /metrics HTTP/1.1\r\n\r\n"));
      assertEquals("HTTP/1.1 404", rawStatus(server, "GET /nothing HTTP/1.1\r\n\r\n"));
      assertEquals("HTTP/1.1 200", rawStatus(server, "GET /healthz?verbose HTTP/1.0\n\n"));
    }
  }

  private static String rawStatus(MetricsServer server, String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
      s.setSoTimeout(5000);
      try {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      } catch (java.io.IOException e) {
        // the server may answer and close before the whole oversized request is sent
      }
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return answer.length() >= 12 ? answer.substring(0, 12) : answer;
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
