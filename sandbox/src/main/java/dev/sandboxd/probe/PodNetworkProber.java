package dev.sandboxd.probe;

import dev.sandboxd.pod.Probe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * httpGet and tcpSocket probes against the pod IP, as Kubernetes probes, from inside the pod's
 * network namespace: the namespace's own address (the pod network's, on eth0), or 127.0.0.1 in a
 * pod with loopback only. HTTP/1.1 is written by hand on a plain socket, because the JDK's HTTP
 * clients pool connections and threads, and a connection must be made on the thread that entered
 * the namespace.
 */
public final class PodNetworkProber {
  static final String LOOPBACK = "127.0.0.1";
  static final String USER_AGENT = "kube-probe/1.0";
  private static final int MAX_STATUS_LINE = 8192;
  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d(?:\\.\\d)? (\\d{3})(?: .*)?");

  private final NetnsExecutor netns;
  private final Supplier<String> podAddress;

  /** Probes 127.0.0.1 of the pod's namespace. */
  public PodNetworkProber(NetnsExecutor netns) {
    this(netns, () -> LOOPBACK);
  }

  /** @param podAddress the address to probe, asked on the thread that entered the pod's namespace */
  public PodNetworkProber(NetnsExecutor netns, Supplier<String> podAddress) {
    this.netns = netns;
    this.podAddress = podAddress;
  }

  /**
   * The first IPv4 address of an interface that is up and not loopback, in the calling thread's
   * network namespace (the JDK lists interfaces through a socket the thread makes); 127.0.0.1
   * when there is none.
   */
  public static String namespaceAddress() {
    List<NetworkInterface> nics;
    try {
      nics = Collections.list(NetworkInterface.getNetworkInterfaces());
    } catch (SocketException e) {
      return LOOPBACK;
    }
    for (NetworkInterface nic : nics) {
      try {
        // The JDK reads IPv6 interfaces from /proc/net, which is the process's namespace, not the
        // thread's: such an entry may name a device this namespace lacks, and has no IPv4 address.
        if (nic.isUp() && !nic.isLoopback()) {
          for (InetAddress a : Collections.list(nic.getInetAddresses())) {
            if (a instanceof Inet4Address) {
              return a.getHostAddress();
            }
          }
        }
      } catch (SocketException e) {
        // not a device of this namespace
      }
    }
    return LOOPBACK;
  }

  /** Success when a TCP connection to the pod's port opens within timeout. */
  public ProbeResult tcpSocket(long pausePid, int port, Duration timeout) {
    String[] host = {LOOPBACK};
    return inPod(pausePid, timeout, () -> "dial tcp " + host[0] + ":" + port, () -> {
      host[0] = podAddress.get();
      connect(host[0], port, timeout).close();
      return ProbeResult.success();
    });
  }

  /** Success when GET answers 200-399 within timeout; https skips certificate checks, as kubelet does. */
  public ProbeResult httpGet(long pausePid, Probe.HttpGet get, Duration timeout) {
    boolean https = get.scheme().equalsIgnoreCase("HTTPS");
    String[] host = {LOOPBACK};
    return inPod(pausePid, timeout, () -> "Get \"" + (https ? "https" : "http") + "://" + host[0] + ":" + get.port() + get.path() + "\"", () -> {
      host[0] = podAddress.get();
      try (Socket socket = https ? tls(connect(host[0], get.port(), timeout), host[0], get.port())
          : connect(host[0], get.port(), timeout)) {
        OutputStream out = socket.getOutputStream();
        out.write(request(get, host[0]).getBytes(StandardCharsets.UTF_8));
        out.flush();
        int status = status(socket.getInputStream());
        return status >= 200 && status < 400
            ? ProbeResult.success()
            : ProbeResult.failure("HTTP probe failed with statuscode: " + status);
      }
    });
  }

  /** The request kubelet sends: its default headers, overridden by the probe's own (names compare case-insensitively). */
  static String request(Probe.HttpGet get, String host) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("host", "Host: " + host + ":" + get.port());
    headers.put("user-agent", "User-Agent: " + USER_AGENT);
    headers.put("accept", "Accept: */*");
    get.headers().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), name + ": " + value));
    // Every probe uses a new connection, whatever the probe asks for.
    headers.remove("connection");
    StringBuilder request = new StringBuilder("GET ").append(get.path()).append(" HTTP/1.1\r\n");
    headers.values().forEach(line -> request.append(line).append("\r\n"));
    return request.append("Connection: close\r\n\r\n").toString();
  }

  /** what: the probe as kubelet names it in a failure, read once the probe ran (it names the address). */
  private ProbeResult inPod(long pausePid, Duration timeout, Supplier<String> what, Callable<ProbeResult> probe) {
    try {
      return netns.call(pausePid, timeout, probe);
    } catch (TimeoutException e) {
      return timedOut(what.get(), timeout);
    } catch (ExecutionException e) {
      return e.getCause() instanceof SocketTimeoutException
          ? timedOut(what.get(), timeout)
          : ProbeResult.failure(what.get() + ": "
              + Objects.toString(e.getCause().getMessage(), e.getCause().getClass().getSimpleName()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ProbeResult.failure(what.get() + ": interrupted");
    }
  }

  private static ProbeResult timedOut(String what, Duration timeout) {
    return ProbeResult.failure(what + ": no answer within " + timeout.toSeconds() + "s");
  }

  private static Socket connect(String host, int port, Duration timeout) throws IOException {
    Socket socket = new Socket();
    try {
      int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setSoTimeout(millis);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private Socket tls(Socket plain, String host, int port) throws IOException {
    SSLSocket socket = (SSLSocket) InsecureTls.FACTORY.createSocket(plain, host, port, true);
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

  /**
   * Made at the first HTTPS probe (a holder class is initialised when first used): the JDK's TLS
   * stack is ~200 classes, and most nodes never probe over HTTPS.
   */
  private static final class InsecureTls {
    static final SSLSocketFactory FACTORY = insecureTls();
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
