package dev.sandboxd.metrics;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP/1.1 server for a few GET endpoints: one non-blocking thread reads requests and
 * writes answers, a small pool runs the handlers, one request per connection. A client that sends half a request, or reads its answer slowly,
 * holds only its own socket: every connection is closed when {@code exchangeTimeout} is up,
 * whatever state it is in, and when {@code maxConnections} are open the oldest is closed to make
 * room. The JDK's HttpServer reads a request's headers on a worker thread with no timeout
 * unless global system properties say otherwise, so a few stuck clients freeze it.
 */
final class HttpEndpoint implements AutoCloseable {
  static final int MAX_REQUEST_BYTES = 8 << 10;

  /** A request as the handlers see it: method, path without query, headers by lower-case name. */
  record Request(String method, String path, Map<String, String> headers) {}

  record Response(int status, String contentType, byte[] body) {}

  @FunctionalInterface
  interface Handler {
    Response handle(Request request) throws IOException;
  }

  private final ServerSocketChannel server;
  private final Selector selector;
  private final Map<String, Handler> routes;
  private final long timeoutNanos;
  private final int maxConnections;
  /** Open connections, oldest first: deadlines are in accept order. */
  private final Deque<Connection> open = new ArrayDeque<>();
  private final Thread thread;
  private final ExecutorService handlers;
  /** Connections whose answer a handler has just made, for the selector thread to write. */
  private final Queue<Connection> answered = new ConcurrentLinkedQueue<>();

  HttpEndpoint(
      InetSocketAddress address, Map<String, Handler> routes, Duration exchangeTimeout, int maxConnections, int handlerThreads)
      throws IOException {
    this.routes = Map.copyOf(routes);
    this.timeoutNanos = exchangeTimeout.toNanos();
    this.maxConnections = maxConnections;
    this.selector = Selector.open();
    this.server = ServerSocketChannel.open();
    try {
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(address, 64);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      server.close();
      selector.close();
      throw e;
    }
    this.handlers = Executors.newFixedThreadPool(handlerThreads, runnable -> {
      Thread t = new Thread(runnable, "sandboxd-metrics-handler");
      t.setDaemon(true);
      return t;
    });
    this.thread = new Thread(this::loop, "sandboxd-metrics");
    thread.setDaemon(true);
    thread.start();
  }

  InetSocketAddress address() {
    try {
      return (InetSocketAddress) server.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("metrics endpoint is closed", e);
    }
  }

  /** Connections open now (for tests: stuck ones must go). */
  int openConnections() {
    synchronized (open) {
      return open.size();
    }
  }

  private void loop() {
    try {
      while (selector.isOpen()) {
        long wait = closeExpired();
        selector.select(Math.max(1, wait / 1_000_000));
        for (Connection c = answered.poll(); c != null; c = answered.poll()) {
          c.write();
        }
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else {
            ((Connection) key.attachment()).ready(key);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (ClosedSelectorException | IOException e) {
      // closed: the loop ends with the endpoint
    }
  }

  /** Closes connections past their deadline; returns nanoseconds until the next deadline. */
  private long closeExpired() {
    long now = System.nanoTime();
    synchronized (open) {
      while (!open.isEmpty() && open.peekFirst().deadline - now <= 0) {
        open.pollFirst().close();
      }
      return open.isEmpty() ? timeoutNanos : open.peekFirst().deadline - now;
    }
  }

  private void accept() throws IOException {
    SocketChannel channel;
    while ((channel = server.accept()) != null) {
      channel.configureBlocking(false);
      Connection c = new Connection(channel, System.nanoTime() + timeoutNanos);
      synchronized (open) {
        if (open.size() >= maxConnections) {
          open.pollFirst().close();
        }
        open.addLast(c);
      }
      channel.register(selector, SelectionKey.OP_READ, c);
    }
  }

  private final class Connection {
    final SocketChannel channel;
    final long deadline;
    private final ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST_BYTES);
    /** The answer: set by a handler thread, then written by the selector thread only. */
    private volatile ByteBuffer out;

    Connection(SocketChannel channel, long deadline) {
      this.channel = channel;
      this.deadline = deadline;
    }

    void ready(SelectionKey key) {
      if (key.isWritable()) {
        write();
        return;
      }
      try {
        if (channel.read(in) < 0) {
          finish();
          return;
        }
      } catch (IOException e) {
        finish();
        return;
      }
      int end = headerEnd();
      if (end >= 0) {
        key.interestOps(0);
        String head = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
        handlers.execute(() -> {
          out = answer(head);
          answered.add(this);
          selector.wakeup();
        });
      } else if (!in.hasRemaining()) {
        key.interestOps(0);
        out = encode(new Response(431, "text/plain; charset=utf-8", "request headers too large\n".getBytes(StandardCharsets.UTF_8)), false);
        write();
      }
    }

    /** On the selector thread: writes what the socket takes, then waits to write more or closes. */
    void write() {
      SelectionKey key = channel.keyFor(selector);
      if (key == null || !key.isValid()) {
        return; // closed meanwhile (deadline)
      }
      try {
        channel.write(out);
        if (out.hasRemaining()) {
          key.interestOps(SelectionKey.OP_WRITE);
        } else {
          finish();
        }
      } catch (IOException e) {
        finish();
      }
    }

    /** Where the blank line ending the headers starts, or -1. */
    private int headerEnd() {
      byte[] b = in.array();
      for (int i = 3; i < in.position(); i++) {
        if (b[i] == '\n' && (b[i - 1] == '\n' || (b[i - 1] == '\r' && b[i - 2] == '\n'))) {
          return i;
        }
      }
      return -1;
    }

    private void finish() {
      synchronized (open) {
        open.remove(this);
      }
      close();
    }

    void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing left to do for a connection that is going away
      }
    }
  }

  private ByteBuffer answer(String requestHead) {
    String[] lines = requestHead.split("\r?\n");
    String[] requestLine = lines[0].split(" ");
    if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
      return encode(new Response(400, "text/plain; charset=utf-8", "bad request line\n".getBytes(StandardCharsets.UTF_8)), false);
    }
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    String method = requestLine[0];
    String path = requestLine[1].replaceFirst("\\?.*", "");
    Handler handler = routes.get(path);
    boolean headOnly = method.equals("HEAD");
    Response response;
    if (handler == null) {
      response = new Response(404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
    } else if (!method.equals("GET") && !headOnly) {
      response = new Response(405, "text/plain; charset=utf-8", new byte[0]);
    } else {
      try {
        response = handler.handle(new Request(method, path, headers));
      } catch (IOException | RuntimeException e) {
        response = new Response(500, "text/plain; charset=utf-8", (e + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    return encode(response, headOnly);
  }

  private static ByteBuffer encode(Response response, boolean head) {
    byte[] header = ("HTTP/1.1 " + response.status() + " " + reason(response.status()) + "\r\n"
        + "Content-Type: " + response.contentType() + "\r\n"
        + "Content-Length: " + response.body().length + "\r\n"
        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer buffer = ByteBuffer.allocate(header.length + (head ? 0 : response.body().length));
    buffer.put(header);
    if (!head) {
      buffer.put(response.body());
    }
    return buffer.flip();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      default -> "Error";
    };
  }

  @Override
  public void close() {
    handlers.shutdownNow();
    try {
      selector.close();
      server.close();
    } catch (IOException e) {
      // closing: nothing to report to
    }
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (open) {
      open.forEach(Connection::close);
      open.clear();
    }
  }
}
