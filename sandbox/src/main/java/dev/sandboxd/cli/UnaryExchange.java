package dev.sandboxd.cli;

import dev.sandboxd.cli.Hpack.Header;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One unary gRPC call on a connection of its own, as HTTP/2 frames over a unix socket, on the
 * calling thread (sandboxctl makes one or two calls per run: setting up grpc-java's Netty transport
 * for them loaded about 1,300 classes, most of a run's start-up). Stream 1 only; the peer is told
 * to keep no header table and to send without waiting for window updates.
 */
final class UnaryExchange {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int PUSH_PROMISE = 0x5;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int CONTINUATION = 0x9;
  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int PADDED = 0x8;
  private static final int PRIORITY = 0x20;
  private static final int STREAM = 1;
  private static final int MAX_WINDOW = Integer.MAX_VALUE;
  /** What a peer may send in one frame before it has our SETTINGS (and what we never raise). */
  private static final int DEFAULT_MAX_FRAME = 16384;

  /** How the call ended: the status, and the response message's bytes when it is OK. */
  record Result(Status status, byte[] message) {}

  private final SocketChannel socket;
  private final Selector selector;
  private final long deadlineNanos;
  private final int maxMessageBytes;
  private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();
  private long sendWindow = 65535; // the connection's, before the peer's WINDOW_UPDATE
  private long streamSendWindow = 65535;
  private int peerInitialWindow = 65535;
  private int peerMaxFrame = DEFAULT_MAX_FRAME;

  private UnaryExchange(SocketChannel socket, Selector selector, long deadlineNanos, int maxMessageBytes) {
    this.socket = socket;
    this.selector = selector;
    this.deadlineNanos = deadlineNanos;
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * Calls fullMethodName with the serialized request. IOExceptions (no socket, refused, closed)
   * come out as they are, for the caller to make UNAVAILABLE of; the deadline as DEADLINE_EXCEEDED.
   */
  static Result call(Path socketPath, String fullMethodName, byte[] request, long timeoutNanos, int maxMessageBytes)
      throws IOException {
    try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      socket.connect(UnixDomainSocketAddress.of(socketPath));
      socket.configureBlocking(false);
      try (Selector selector = Selector.open()) {
        socket.register(selector, SelectionKey.OP_READ);
        return new UnaryExchange(socket, selector, System.nanoTime() + timeoutNanos, maxMessageBytes)
            .run(fullMethodName, request, timeoutNanos);
      }
    }
  }

  private Result run(String fullMethodName, byte[] request, long timeoutNanos) throws IOException {
    ByteBuffer settings = ByteBuffer.allocate(18);
    settings.putShort((short) 0x1).putInt(0); // HEADER_TABLE_SIZE: no dynamic table
    settings.putShort((short) 0x2).putInt(0); // ENABLE_PUSH: off
    settings.putShort((short) 0x4).putInt(MAX_WINDOW); // INITIAL_WINDOW_SIZE: the stream's, at most
    write(ByteBuffer.wrap(PREFACE));
    writeFrame(SETTINGS, 0, 0, settings.array());
    writeFrame(WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(MAX_WINDOW - 65535).array());
    writeFrame(HEADERS, END_HEADERS, STREAM, Hpack.encode(List.of(
        new Header(":method", "POST"),
        new Header(":scheme", "http"),
        new Header(":path", "/" + fullMethodName),
        new Header(":authority", "localhost"),
        new Header("content-type", "application/grpc"),
        new Header("te", "trailers"),
        new Header("grpc-timeout", timeoutHeader(timeoutNanos)))));
    sendMessage(request);

    ByteArrayOutputStream body = new ByteArrayOutputStream();
    ByteArrayOutputStream headerBlock = new ByteArrayOutputStream();
    boolean headersEndStream = false;
    List<Header> responseHeaders = null;
    while (true) {
      Frame f = readFrame();
      if (control(f)) {
        continue;
      }
      switch (f.type) {
        case GOAWAY -> {
          int lastStream = ByteBuffer.wrap(f.payload).getInt() & 0x7fffffff;
          if (lastStream < STREAM) {
            return new Result(Status.UNAVAILABLE.withDescription("sandboxd closed the connection (GOAWAY)"), null);
          }
        }
        case RST_STREAM -> {
          if (f.stream == STREAM) {
            int code = ByteBuffer.wrap(f.payload).getInt();
            return new Result((code == 0x8 ? Status.CANCELLED : code == 0x7 ? Status.UNAVAILABLE : Status.INTERNAL)
                .withDescription("sandboxd reset the call (HTTP/2 error " + code + ")"), null);
          }
        }
        case PUSH_PROMISE -> throw new IOException("sandboxd pushed a stream, though push is off");
        case DATA -> {
          if (f.stream == STREAM) {
            byte[] data = unpadded(f);
            if (body.size() + data.length > maxMessageBytes + 5L) {
              return new Result(Status.RESOURCE_EXHAUSTED.withDescription(
                  "sandboxd's answer is larger than " + maxMessageBytes + " bytes"), null);
            }
            body.write(data, 0, data.length);
            if ((f.flags & END_STREAM) != 0) {
              return new Result(Status.INTERNAL.withDescription("sandboxd's answer ended without trailers"), null);
            }
          }
        }
        case HEADERS, CONTINUATION -> {
          if (f.stream != STREAM) {
            break;
          }
          byte[] fragment = f.type == HEADERS ? headerFragment(f) : f.payload;
          headerBlock.write(fragment, 0, fragment.length);
          if (f.type == HEADERS) {
            headersEndStream = (f.flags & END_STREAM) != 0;
          }
          if ((f.flags & END_HEADERS) == 0) {
            break;
          }
          List<Header> block = Hpack.decode(ByteBuffer.wrap(headerBlock.toByteArray()));
          headerBlock.reset();
          if (responseHeaders == null) {
            responseHeaders = block;
            Status http = httpStatus(block);
            if (!http.isOk()) {
              return new Result(http, null);
            }
          }
          if (headersEndStream) { // the trailers, or a trailers-only answer
            Status status = grpcStatus(block);
            return status.isOk() ? new Result(status, message(body.toByteArray())) : new Result(status, null);
          }
        }
        default -> {
          // PRIORITY and unknown frame types are ignored (RFC 9113 5.5)
        }
      }
    }
  }

  /** The request as one gRPC message, in DATA frames as the peer's windows and frame size allow. */
  private void sendMessage(byte[] request) throws IOException {
    ByteBuffer message = ByteBuffer.allocate(5 + request.length);
    message.put((byte) 0).putInt(request.length).put(request).flip();
    while (true) {
      int chunk = (int) Math.min(Math.min(message.remaining(), peerMaxFrame), Math.min(sendWindow, streamSendWindow));
      if (chunk <= 0 && message.hasRemaining()) {
        Frame f = readFrame(); // waiting for a window update
        if (!control(f) && (f.type == RST_STREAM || f.type == GOAWAY || f.type == HEADERS)) {
          throw new IOException("sandboxd ended the call before it had read the request");
        }
        continue;
      }
      byte[] part = new byte[chunk];
      message.get(part);
      sendWindow -= chunk;
      streamSendWindow -= chunk;
      writeFrame(DATA, message.hasRemaining() ? 0 : END_STREAM, STREAM, part);
      if (!message.hasRemaining()) {
        return;
      }
    }
  }

  /** SETTINGS, PING and WINDOW_UPDATE, the connection's own frames: true if f was one. */
  private boolean control(Frame f) throws IOException {
    switch (f.type) {
      case SETTINGS -> settings(f);
      case PING -> {
        if ((f.flags & ACK) == 0) {
          writeFrame(PING, ACK, 0, f.payload);
        }
      }
      case WINDOW_UPDATE -> windowUpdate(f);
      default -> {
        return false;
      }
    }
    return true;
  }

  private void settings(Frame f) throws IOException {
    if ((f.flags & ACK) != 0) {
      return;
    }
    ByteBuffer p = ByteBuffer.wrap(f.payload);
    while (p.remaining() >= 6) {
      int id = p.getShort() & 0xffff;
      int value = p.getInt();
      if (id == 0x4) {
        streamSendWindow += (long) value - peerInitialWindow;
        peerInitialWindow = value;
      } else if (id == 0x5) {
        peerMaxFrame = value;
      }
    }
    writeFrame(SETTINGS, ACK, 0, new byte[0]);
  }

  private void windowUpdate(Frame f) {
    int increment = ByteBuffer.wrap(f.payload).getInt() & 0x7fffffff;
    if (f.stream == 0) {
      sendWindow += increment;
    } else if (f.stream == STREAM) {
      streamSendWindow += increment;
    }
  }

  /** The response message out of its gRPC framing (no compression: none was offered). */
  private static byte[] message(byte[] body) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(body);
    if (b.remaining() < 5 || b.get() != 0) {
      throw new IOException("sandboxd's answer is not one uncompressed gRPC message");
    }
    int length = b.getInt();
    if (length != b.remaining()) {
      throw new IOException("sandboxd's answer is not one whole gRPC message");
    }
    byte[] message = new byte[length];
    b.get(message);
    return message;
  }

  /** gRPC's mapping of an HTTP status other than 200, and of a reply that is not gRPC. */
  static Status httpStatus(List<Header> headers) {
    String status = value(headers, ":status");
    String contentType = value(headers, "content-type");
    if (!"200".equals(status)) {
      Status.Code code = switch (status == null ? "" : status) {
        case "400" -> Status.Code.INTERNAL;
        case "401" -> Status.Code.UNAUTHENTICATED;
        case "403" -> Status.Code.PERMISSION_DENIED;
        case "404" -> Status.Code.UNIMPLEMENTED;
        case "429", "502", "503", "504" -> Status.Code.UNAVAILABLE;
        default -> Status.Code.UNKNOWN;
      };
      return Status.fromCode(code).withDescription("sandboxd answered HTTP status " + status);
    }
    if (contentType == null || !contentType.startsWith("application/grpc")) {
      return Status.UNKNOWN.withDescription("sandboxd answered content-type " + contentType + ", not gRPC");
    }
    return Status.OK;
  }

  /** grpc-status and grpc-message (percent-encoded UTF-8) of the trailers. */
  static Status grpcStatus(List<Header> trailers) {
    String code = value(trailers, "grpc-status");
    if (code == null) {
      return Status.UNKNOWN.withDescription("sandboxd's answer carries no grpc-status");
    }
    Status status;
    try {
      status = Status.fromCodeValue(Integer.parseInt(code));
    } catch (NumberFormatException e) {
      return Status.UNKNOWN.withDescription("sandboxd's answer carries grpc-status " + code);
    }
    String message = value(trailers, "grpc-message");
    return message == null ? status : status.withDescription(percentDecoded(message));
  }

  private static String percentDecoded(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  private static String value(List<Header> headers, String name) {
    for (Header h : headers) {
      if (h.name().equals(name)) {
        return h.value();
      }
    }
    return null;
  }

  /** grpc-timeout: at most 8 digits, in the finest unit that fits. */
  static String timeoutHeader(long nanos) {
    long n = Math.max(nanos, 0);
    if (n < 100_000_000L) {
      return n + "n";
    }
    if (TimeUnit.NANOSECONDS.toMicros(n) < 100_000_000L) {
      return TimeUnit.NANOSECONDS.toMicros(n) + "u";
    }
    if (TimeUnit.NANOSECONDS.toMillis(n) < 100_000_000L) {
      return TimeUnit.NANOSECONDS.toMillis(n) + "m";
    }
    return Math.min(TimeUnit.NANOSECONDS.toSeconds(n), 99_999_999L) + "S";
  }

  private static byte[] unpadded(Frame f) throws IOException {
    if ((f.flags & PADDED) == 0) {
      return f.payload;
    }
    int pad = f.payload.length == 0 ? -1 : f.payload[0] & 0xff;
    if (pad < 0 || pad >= f.payload.length) {
      throw new IOException("a malformed padded frame from sandboxd");
    }
    byte[] out = new byte[f.payload.length - 1 - pad];
    System.arraycopy(f.payload, 1, out, 0, out.length);
    return out;
  }

  private static byte[] headerFragment(Frame f) throws IOException {
    int start = 0;
    int end = f.payload.length;
    if ((f.flags & PADDED) != 0) {
      if (end == 0) {
        throw new IOException("a malformed padded frame from sandboxd");
      }
      end -= f.payload[0] & 0xff;
      start = 1;
    }
    if ((f.flags & PRIORITY) != 0) {
      start += 5;
    }
    if (start > end) {
      throw new IOException("a malformed HEADERS frame from sandboxd");
    }
    byte[] out = new byte[end - start];
    System.arraycopy(f.payload, start, out, 0, out.length);
    return out;
  }

  private record Frame(int type, int flags, int stream, byte[] payload) {}

  private Frame readFrame() throws IOException {
    fill(9);
    int length = ((in.get() & 0xff) << 16) | ((in.get() & 0xff) << 8) | (in.get() & 0xff);
    int type = in.get() & 0xff;
    int flags = in.get() & 0xff;
    int stream = in.getInt() & 0x7fffffff;
    if (length > DEFAULT_MAX_FRAME) { // our SETTINGS_MAX_FRAME_SIZE is the default
      throw new IOException("a frame of " + length + " bytes from sandboxd, above the 16384 allowed");
    }
    fill(length);
    byte[] payload = new byte[length];
    in.get(payload);
    return new Frame(type, flags, stream, payload);
  }

  /** Until at least n bytes are buffered; the deadline is DEADLINE_EXCEEDED. */
  private void fill(int n) throws IOException {
    if (in.remaining() >= n) {
      return;
    }
    in.compact();
    while (in.position() < n) {
      int read = socket.read(in);
      if (read < 0) {
        throw new EOFException("sandboxd closed the connection before it answered");
      }
      if (read == 0) {
        awaitReady();
      }
    }
    in.flip();
  }

  private void writeFrame(int type, int flags, int stream, byte[] payload) throws IOException {
    ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
    frame.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
    frame.put((byte) type).put((byte) flags).putInt(stream).put(payload).flip();
    write(frame);
  }

  /** Writes it all; waits (within the deadline) while the socket's buffer is full. */
  private void write(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (socket.write(b) > 0) {
        continue;
      }
      SelectionKey key = socket.keyFor(selector);
      key.interestOps(SelectionKey.OP_WRITE);
      try {
        awaitReady();
      } finally {
        key.interestOps(SelectionKey.OP_READ);
      }
    }
  }

  /** Until the socket is ready for what its key waits on (read, or write); DeadlineExceeded after the deadline. */
  private void awaitReady() throws IOException {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0 || selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))) == 0
        && System.nanoTime() >= deadlineNanos) {
      throw new DeadlineExceeded();
    }
    selector.selectedKeys().clear();
  }

  /** The call's deadline passed before sandboxd answered. */
  static final class DeadlineExceeded extends IOException {
    DeadlineExceeded() {
      super("deadline exceeded waiting for sandboxd");
    }
  }
}
