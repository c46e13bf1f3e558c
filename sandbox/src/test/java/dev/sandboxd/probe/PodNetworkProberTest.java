package dev.sandboxd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.pod.Probe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** httpGet and tcpSocket against real listeners on 127.0.0.1, with the namespace switch left out. */
class PodNetworkProberTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);
  private static final long PAUSE_PID = 4242;

  private final PodNetworkProber prober = new PodNetworkProber(new NetnsExecutor(pid -> {}));

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "200 OK, true",
      "204 No Content, true",
      "302 Found, true",
      "399 Whatever, true",
      "400 Bad Request, false",
      "404 Not Found, false",
      "500 Internal Server Error, false"})
  void statusCodes200To399AreSuccess(String status, boolean success) throws Exception {
    try (Server server = Server.answering("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\n\r\n")) {
      ProbeResult result = prober.httpGet(PAUSE_PID, get(server.port(), Map.of()), TIMEOUT);
      assertEquals(success, result.succeeded(), result.toString());
      if (!success) {
        assertEquals(ProbeResult.failure("HTTP probe failed with statuscode: " + status.substring(0, 3)), result);
      }
    }
  }

  @Test
  void sendsKubeletsRequestWithTheProbesHeaders() throws Exception {
    try (Server server = Server.answering("HTTP/1.0 200 OK\r\n\r\n")) {
      ProbeResult result = prober.httpGet(PAUSE_PID, get(server.port(), Map.of("X-Custom", "yes", "accept", "text/plain")), TIMEOUT);
      assertEquals(ProbeResult.success(), result);
      List<String> lines = List.of(server.request().split("\r\n"));
      assertEquals("GET /healthz?verbose=1 HTTP/1.1", lines.get(0));
      assertTrue(lines.contains("Host: 127.0.0.1:" + server.port()), lines.toString());
      assertTrue(lines.contains("User-Agent: kube-probe/1.0"), lines.toString());
      assertTrue(lines.contains("X-Custom: yes"), lines.toString());
      assertTrue(lines.contains("accept: text/plain"), "a probe header replaces the default of the same name: " + lines);
      assertEquals(1, lines.stream().filter(l -> l.toLowerCase().startsWith("accept:")).count(), lines.toString());
      assertEquals("Connection: close", lines.get(lines.size() - 1));
    }
  }

  @Test
  void aProbeHostHeaderReplacesTheDefaultAndConnectionStaysClose() {
    String request = PodNetworkProber.request(new Probe.HttpGet("HTTP", 80, "/", Map.of("Host", "example.test", "Connection", "keep-alive")), "127.0.0.1");
    assertEquals("GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: kube-probe/1.0\r\nAccept: */*\r\nConnection: close\r\n\r\n", request);
  }

  @Test
  void aRefusedConnectionIsAFailure() throws Exception {
    int port = closedPort();
    ProbeResult http = prober.httpGet(PAUSE_PID, get(port, Map.of()), TIMEOUT);
    ProbeResult tcp = prober.tcpSocket(PAUSE_PID, port, TIMEOUT);
    assertEquals(ProbeResult.failure("Get \"http://127.0.0.1:" + port + "/healthz?verbose=1\": Connection refused"), http);
    assertEquals(ProbeResult.failure("dial tcp 127.0.0.1:" + port + ": Connection refused"), tcp);
  }

  @Test
  void aServerThatNeverAnswersTimesOut() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ProbeResult result = prober.httpGet(PAUSE_PID, get(silent.getLocalPort(), Map.of()), TIMEOUT);
      assertEquals(ProbeResult.failure("Get \"http://127.0.0.1:" + silent.getLocalPort() + "/healthz?verbose=1\": no answer within 1s"), result);
    }
  }

  @Test
  void aClosedConnectionWithoutAnswerIsAFailure() throws Exception {
    try (Server server = Server.answering("")) {
      ProbeResult result = prober.httpGet(PAUSE_PID, get(server.port(), Map.of()), TIMEOUT);
      assertTrue(result.toString().contains("connection closed without an HTTP response"), result.toString());
    }
  }

  @Test
  void tcpSocketSucceedsWhenSomethingListens() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertEquals(ProbeResult.success(), prober.tcpSocket(PAUSE_PID, listener.getLocalPort(), TIMEOUT));
    }
  }

  @Test
  void httpsSkipsCertificateVerificationAsKubeletDoes() throws Exception {
    SSLContext tls = selfSignedServerTls();
    try (ServerSocket socket = tls.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Server server = new Server(socket, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) {
      ProbeResult result = prober.httpGet(PAUSE_PID, new Probe.HttpGet("HTTPS", server.port(), "/", Map.of()), TIMEOUT);
      assertEquals(ProbeResult.success(), result);
      assertTrue(server.request().startsWith("GET / HTTP/1.1\r\n"), server.request());
    }
  }

  @Test
  void aFailedNamespaceSwitchIsAFailure() {
    PodNetworkProber outside = new PodNetworkProber(new NetnsExecutor(pid -> {
      throw new IOException("setns /proc/" + pid + "/ns/net: Operation not permitted");
    }));
    assertEquals(ProbeResult.failure("dial tcp 127.0.0.1:80: setns /proc/4242/ns/net: Operation not permitted"),
        outside.tcpSocket(PAUSE_PID, 80, TIMEOUT));
  }

  private static Probe.HttpGet get(int port, Map<String, String> headers) {
    return new Probe.HttpGet("HTTP", port, "/healthz?verbose=1", headers);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * A self-signed certificate for no host in particular: the prober must not care who signed it. Made with
   * keytool -genkeypair -alias server -keyalg EC -groupname secp256r1 -dname CN=not-the-pod -validity 36500
   * -storetype PKCS12 -keystore self-signed.p12 -storepass secret
   */
  private static SSLContext selfSignedServerTls() throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = PodNetworkProberTest.class.getResourceAsStream("self-signed.p12")) {
      keys.load(in, "secret".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "secret".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  /** Serves one connection: keeps the request head, writes a canned response, closes. */
  private static final class Server implements AutoCloseable {
    private final ServerSocket socket;
    private final CompletableFuture<String> request = new CompletableFuture<>();

    Server(ServerSocket socket, String response) {
      this.socket = socket;
      Thread thread = new Thread(() -> serve(response), "test-http");
      thread.setDaemon(true);
      thread.start();
    }

    static Server answering(String response) throws IOException {
      return new Server(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()), response);
    }

    int port() {
      return socket.getLocalPort();
    }

    String request() throws Exception {
      return request.get(10, TimeUnit.SECONDS);
    }

    private void serve(String response) {
      try (Socket client = socket.accept()) {
        InputStream in = client.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.UTF_8).endsWith("\r\n\r\n")) {
          int b = in.read();
          if (b == -1) {
            break;
          }
          head.write(b);
        }
        request.complete(head.toString(StandardCharsets.UTF_8).strip());
        OutputStream out = client.getOutputStream();
        out.write(response.getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        request.completeExceptionally(e);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
