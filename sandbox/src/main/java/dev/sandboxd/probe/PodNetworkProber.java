package dev.sandboxd.probe;

import dev.sandboxd.pod.Probe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * httpGet and tcpSocket probes against the pod's loopback, from inside the pod's network
 * namespace (Kubernetes probes the pod IP; our pods have only loopback so far). HTTP/1.1 is
 * written by hand on a plain socket, because the JDK's HTTP clients pool connections and
 * threads, and a connection must be made on the thread that entered the namespace.
 */
public final class PodNetworkProber {
  static final String LOOPBACK = "127.0.0.1";
  static final String USER_AGENT = "kube-probe/1.0";
  private static final int MAX_STATUS_LINE = 8192;
  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d(?:\\.\\d)? (\\d{3})(?: .*)?");

  private final NetnsExecutor netns;
  private final SSLSocketFactory tls;

  public PodNetworkProber(NetnsExecutor netns) {
    this.netns = netns;
    this.tls = insecureTls();
  }

  /** Success when a TCP connection to 127.0.0.1:port opens within timeout. */
  public ProbeResult tcpSocket(long pausePid, int port, Duration timeout) {
    return inPod(pausePid, timeout, "dial tcp " + LOOPBACK + ":" + port, () -> {
      connect(port, timeout).close();
      return ProbeResult.success();
    });
  }

  /** Success when GET answers 200-399 within timeout; https skips certificate checks, as kubelet does. */
  public ProbeResult httpGet(long pausePid, Probe.HttpGet get, Duration timeout) {
    boolean https = get.scheme().equalsIgnoreCase("HTTPS");
    String url = (https ? "https" : "http") + "://" + LOOPBACK + ":" + get.port() + get.path();
    return inPod(pausePid, timeout, "Get \"" + url + "\"", () -> {
      try (Socket socket = https ? tls(connect(get.port(), timeout), get.port()) : connect(get.port(), timeout)) {
        OutputStream out = socket.getOutputStream();
        out.write(request(get).getBytes(StandardCharsets.UTF_8));
        out.flush();
        int status = status(socket.getInputStream());
        return status >= 200 && status < 400
            ? ProbeResult.success()
            : ProbeResult.failure("HTTP probe failed with statuscode: " + status);
      }
    });
  }

  /** The request kubelet sends: its default headers, overridden by the probe's own (names compare case-insensitively). */
  static String request(Probe.HttpGet get) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("host", "Host: " + LOOPBACK + ":" + get.port());
    headers.put("user-agent", "User-Agent: " + USER_AGENT);
    headers.put("accept", "Accept: */*");
    get.headers().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), name + ": " + value));
    // Every probe uses a new connection, whatever the probe asks for.
    headers.remove("connection");
    StringBuilder request = new StringBuilder("GET ").append(get.path()).append(" HTTP/1.1\r\n");
    headers.values().forEach(line -> request.append(line).append("\r\n"));
    return request.append("Connection: close\r\n\r\n").toString();
  }

  private ProbeResult inPod(long pausePid, Duration timeout, String what, Callable<ProbeResult> probe) {
    try {
      return netns.call(pausePid, timeout, probe);
    } catch (TimeoutException e) {
      return timedOut(what, timeout);
    } catch (ExecutionException e) {
      return e.getCause() instanceof SocketTimeoutException
          ? timedOut(what, timeout)
          : ProbeResult.failure(what + ": " + Objects.toString(e.getCause().getMessage(), e.getCause().getClass().getSimpleName()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ProbeResult.failure(what + ": interrupted");
    }
  }

  private static ProbeResult timedOut(String what, Duration timeout) {
    return ProbeResult.failure(what + ": no answer within " + timeout.toSeconds() + "s");
  }

  private static Socket connect(int port, Duration timeout) throws IOException {
    Socket socket = new Socket();
    try {
      int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
      socket.connect(new InetSocketAddress(LOOPBACK, port), millis);
      socket.setSoTimeout(millis);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private Socket tls(Socket plain, int port) throws IOException {
    SSLSocket socket = (SSLSocket) tls.createSocket(plain, LOOPBACK, port, true);
    try {
      socket.startHandshake();
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** The status code of the response's status line. */
  private static int status(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (line.size() == MAX_STATUS_LINE) {
        throw new IOException("status line longer than " + MAX_STATUS_LINE + " bytes");
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.ISO_8859_1).strip();
    Matcher m = STATUS_LINE.matcher(text);
    if (!m.matches()) {
      throw new IOException(text.isEmpty() ? "connection closed without an HTTP response" : "not an HTTP status line: " + text);
    }
    return Integer.parseInt(m.group(1));
  }

  /** TLS that accepts any certificate: kubelet's probes skip verification too (InsecureSkipVerify). */
  private static SSLSocketFactory insecureTls() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustAnything()}, null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS in this JDK", e);
    }
  }

  /** Extended, so that the JDK does not wrap it in its own algorithm and host name checks. */
  private static final class TrustAnything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
