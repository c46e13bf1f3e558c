package dev.sandboxd.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 that passes bytes towards the client at a fixed rate, so a pull of a
 * few tens of MB lasts long enough to be cut in the middle; {@link #close} cuts every connection.
 */
final class ThrottledProxy implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  /** Bytes passed towards clients so far. */
  final java.util.concurrent.atomic.AtomicLong relayed = new java.util.concurrent.atomic.AtomicLong();

  ThrottledProxy(int targetPort, long bytesPerSecond) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
          sockets.add(client);
          sockets.add(target);
          pump(client.getInputStream(), target.getOutputStream(), Long.MAX_VALUE);
          pump(target.getInputStream(), client.getOutputStream(), bytesPerSecond);
        } catch (IOException e) {
          return;
        }
      }
    }, "proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void pump(InputStream in, OutputStream out, long rate) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 << 10];
      long start = System.nanoTime();
      long sent = 0;
      try {
        int n;
        while ((n = in.read(buffer)) > 0) {
          out.write(buffer, 0, n);
          sent += n;
          if (rate != Long.MAX_VALUE) {
            relayed.addAndGet(n);
          }
          long due = start + (long) (sent * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (rate != Long.MAX_VALUE && wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
      } catch (IOException | InterruptedException e) {
        // the other side or close() ended it
      } finally {
        closeQuietly(in);
        closeQuietly(out);
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    closeQuietly(server);
    sockets.forEach(ThrottledProxy::closeQuietly);
  }
}
