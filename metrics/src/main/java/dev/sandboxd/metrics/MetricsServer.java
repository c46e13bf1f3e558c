package dev.sandboxd.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The HTTP endpoint: GET /metrics (Prometheus text, or OpenMetrics when the Accept header asks
 * for it), /healthz (the process answers) and /readyz (ready says yes: containerd reachable and
 * the event stream live). One thread: scrapes are cheap and rare.
 */
public final class MetricsServer implements AutoCloseable {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService thread;

  private MetricsServer(HttpServer server, ExecutorService thread) {
    this.server = server;
    this.thread = thread;
  }

  /** Listens on address (port 0: any free port, see {@link #address()}). */
  public static MetricsServer start(InetSocketAddress address, SandboxdMeters meters, BooleanSupplier ready) throws IOException {
    HttpServer server = HttpServer.create(address, 16);
    server.createContext("/metrics", exchange -> {
      String accept = exchange.getRequestHeaders().getFirst("Accept");
      String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
      ByteArrayOutputStream body = new ByteArrayOutputStream(64 << 10);
      meters.scrape(body, type);
      respond(exchange, 200, type, body.toByteArray());
    });
    server.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8)));
    server.createContext("/readyz", exchange -> {
      boolean ok = ready.getAsBoolean();
      respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8",
          (ok ? "ok\n" : "not ready: containerd unreachable or its event stream down\n").getBytes(StandardCharsets.UTF_8));
    });
    ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
      Thread t = new Thread(runnable, "sandboxd-metrics");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(thread);
    server.start();
    return new MetricsServer(server, thread);
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
    return server.getAddress();
  }

  private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", type);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(status, head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    thread.shutdownNow();
  }
}
