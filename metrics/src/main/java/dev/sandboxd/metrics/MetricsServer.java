package dev.sandboxd.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The HTTP endpoint: GET /metrics (Prometheus text, or OpenMetrics when the Accept header asks
 * for it), /healthz (the process answers) and /readyz (ready says yes: containerd reachable and
 * the event stream live), on {@link HttpEndpoint}: a client gets {@link #EXCHANGE_TIMEOUT} to send its request and read the answer, so slow
 * or stuck clients never keep the others waiting.
 */
public final class MetricsServer implements AutoCloseable {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String PLAIN_TEXT = "text/plain; charset=utf-8";
  /** Prometheus' own default scrape timeout is 10 s; a request of a few hundred bytes needs far less. */
  public static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(5);
  /** More connections than any set of scrapers and probes keeps; past it the oldest is closed. */
  static final int MAX_CONNECTIONS = 64;
  /** Handlers answer from memory, except /readyz, which asks containerd (with a short deadline). */
  static final int HANDLER_THREADS = 2;

  private final HttpEndpoint endpoint;

  private MetricsServer(HttpEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** Listens on address (port 0: any free port, see {@link #address()}). */
  public static MetricsServer start(InetSocketAddress address, SandboxdMeters meters, BooleanSupplier ready) throws IOException {
    return start(address, meters, ready, EXCHANGE_TIMEOUT, MAX_CONNECTIONS);
  }

  static MetricsServer start(
      InetSocketAddress address, SandboxdMeters meters, BooleanSupplier ready, Duration exchangeTimeout, int maxConnections)
      throws IOException {
    Map<String, HttpEndpoint.Handler> routes = Map.of(
        "/metrics", request -> {
          String accept = request.headers().get("accept");
          String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
          ByteArrayOutputStream body = new ByteArrayOutputStream(64 << 10);
          meters.scrape(body, type);
          return new HttpEndpoint.Response(200, type, body.toByteArray());
        },
        "/healthz", request -> new HttpEndpoint.Response(200, PLAIN_TEXT, "ok\n".getBytes(StandardCharsets.UTF_8)),
        "/readyz", request -> {
          boolean ok = ready.getAsBoolean();
          return new HttpEndpoint.Response(ok ? 200 : 503, PLAIN_TEXT,
              (ok ? "ok\n" : "not ready: containerd unreachable or its event stream down\n").getBytes(StandardCharsets.UTF_8));
        });
    return new MetricsServer(new HttpEndpoint(address, routes, exchangeTimeout, maxConnections, HANDLER_THREADS));
  }

  /** "host:port"; a bracketed IPv6 host is allowed. */
  public static InetSocketAddress parseAddress(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("\"" + hostPort + "\" is not host:port");
    }
    String host = hostPort.substring(0, colon).replaceAll("^\\[(.*)]$", "$1");
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + hostPort + "\" has no numeric port");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("\"" + hostPort + "\": port out of range");
    }
    return new InetSocketAddress(host, port);
  }

  public InetSocketAddress address() {
    return endpoint.address();
  }

  int openConnections() {
    return endpoint.openConnections();
  }

  @Override
  public void close() {
    endpoint.close();
  }
}
