package dev.sandboxd.cli;

import dev.sandboxd.cli.Hpack.Header;
import io.grpc.InternalMetadata;
import io.grpc.InternalStatus;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
  /** An answer's headers or trailers larger than this are not sandboxd's (SETTINGS_MAX_HEADER_LIST_SIZE). */
  private static final int MAX_HEADER_BLOCK = 64 * 1024;

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
   * Calls fullMethodName with the serialized request. Socket errors (no socket, refused, reset)
   * come out as IOExceptions, the deadline as {@link DeadlineExceeded}, an answer that is not
   * HTTP/2 gRPC as a {@link ProtocolError}.
   */
  static Result call(Path socketPath, String fullMethodName, byte[] request, long timeoutNanos, int maxMessageBytes)
      throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
      socket.configureBlocking(false); // also the connect: a wedged sandboxd's full backlog must not outlast the deadline
      SelectionKey key = socket.register(selector, SelectionKey.OP_CONNECT);
      UnaryExchange exchange = new UnaryExchange(socket, selector, deadline, maxMessageBytes);
      if (!socket.connect(UnixDomainSocketAddress.of(socketPath))) {
        exchange.awaitReady();
        socket.finishConnect();
      }
      key.interestOps(SelectionKey.OP_READ);
      try {
        return exchange.run(fullMethodName, request, timeoutNanos);
      } catch (java.nio.BufferUnderflowException e) {
        throw new ProtocolError("a frame shorter than its kind");
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
    Frame pending = sendMessage(request);

    ByteArrayOutputStream body = new ByteArrayOutputStream();
    ByteArrayOutputStream headerBlock = new ByteArrayOutputStream();
    boolean inHeaderBlock = false;
    boolean headersEndStream = false;
    boolean headersRead = false;
    while (true) {
      Frame f = pending != null ? pending : readFrame();
      pending = null;
      if (inHeaderBlock != (f.type == CONTINUATION) || inHeaderBlock && f.stream != STREAM) {
        throw new ProtocolError(inHeaderBlock ? "a header block broken off" : "a CONTINUATION without its HEADERS");
      }
      if (control(f)) {
        continue;
      }
      switch (f.type) {
        case GOAWAY -> {
          // an answer on a stream the peer still counts (last-stream-id 1) may yet come whole
          if ((payload(f, 8).getInt() & 0x7fffffff) < STREAM) {
            return new Result(Status.UNAVAILABLE.withDescription("sandboxd closed the connection (GOAWAY)"), null);
          }
        }
        case RST_STREAM -> {
          if (f.stream == STREAM) {
            if (System.nanoTime() >= deadlineNanos) { // sandboxd's end of the same deadline
              throw new DeadlineExceeded();
            }
            return new Result(resetStatus(payload(f, 4).getInt()), null);
          }
        }
        case PUSH_PROMISE -> throw new ProtocolError("a pushed stream, though push is off");
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
          byte[] fragment = f.type == HEADERS ? headerFragment(f) : f.payload;
          if (headerBlock.size() + fragment.length > MAX_HEADER_BLOCK) {
            throw new ProtocolError("headers larger than " + MAX_HEADER_BLOCK + " bytes");
          }
          headerBlock.write(fragment, 0, fragment.length);
          if (f.type == HEADERS) {
            headersEndStream = (f.flags & END_STREAM) != 0;
          }
          inHeaderBlock = (f.flags & END_HEADERS) == 0;
          if (inHeaderBlock) {
            break;
          }
          byte[] whole = headerBlock.toByteArray();
          headerBlock.reset();
          if (f.stream != STREAM) {
            break;
          }
          List<Header> block = Hpack.decode(ByteBuffer.wrap(whole));
          String httpCode = value(block, ":status");
          if (!headersEndStream && httpCode != null && httpCode.startsWith("1")) {
            break; // an informational 1xx answer, ignored as grpc-java does
          }
          if (!headersRead) {
            headersRead = true;
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

  /**
   * The request as one gRPC message, in DATA frames as the peer's windows and frame size allow.
   * A frame of the answer that comes while it waits for a window (sandboxd refusing a request too
   * large, say) ends the sending and is returned, for the answer to be read from; else null.
   */
  private Frame sendMessage(byte[] request) throws IOException {
    ByteBuffer message = ByteBuffer.allocate(5 + request.length);
    message.put((byte) 0).putInt(request.length).put(request).flip();
    while (true) {
      int chunk = (int) Math.min(Math.min(message.remaining(), peerMaxFrame), Math.min(sendWindow, streamSendWindow));
      if (chunk <= 0 && message.hasRemaining()) {
        Frame f = readFrame(); // waiting for a window update
        if (!control(f)) {
          return f;
        }
        continue;
      }
      byte[] part = new byte[chunk];
      message.get(part);
      sendWindow -= chunk;
      streamSendWindow -= chunk;
      writeFrame(DATA, message.hasRemaining() ? 0 : END_STREAM, STREAM, part);
      if (!message.hasRemaining()) {
        return null;
      }
    }
  }

  /** SETTINGS, PING and WINDOW_UPDATE, the connection's own frames: true if f was one. */
  private boolean control(Frame f) throws IOException {
    switch (f.type) {
      case SETTINGS -> settings(f);
      case PING -> {
        if ((f.flags & ACK) == 0) {
          writeFrame(PING, ACK, 0, payload(f, 8).array());
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
    if (f.payload.length % 6 != 0) {
      throw new ProtocolError("a SETTINGS frame of " + f.payload.length + " bytes");
    }
    ByteBuffer p = ByteBuffer.wrap(f.payload);
    while (p.hasRemaining()) {
      int id = p.getShort() & 0xffff;
      int value = p.getInt();
      if (id == 0x4) {
        if (value < 0) {
          throw new ProtocolError("an initial window above 2^31-1");
        }
        streamSendWindow += (long) value - peerInitialWindow;
        peerInitialWindow = value;
      } else if (id == 0x5) {
        if (value < DEFAULT_MAX_FRAME || value > 0xffffff) {
          throw new ProtocolError("a maximum frame size of " + value);
        }
        peerMaxFrame = value;
      }
    }
    writeFrame(SETTINGS, ACK, 0, new byte[0]);
  }

  private void windowUpdate(Frame f) {
    int increment = payload(f, 4).getInt() & 0x7fffffff;
    if (f.stream == 0) {
      sendWindow += increment;
    } else if (f.stream == STREAM) {
      streamSendWindow += increment;
    }
  }

  /** The response message out of its gRPC framing (no compression: none was offered). */
  private static byte[] message(byte[] body) {
    ByteBuffer b = ByteBuffer.wrap(body);
    if (b.remaining() < 5 || b.get() != 0) {
      throw new ProtocolError(body.length == 0 ? "an OK answer without its message" : "not one uncompressed gRPC message");
    }
    int length = b.getInt();
    if (length != b.remaining()) {
      throw new ProtocolError("not one whole gRPC message");
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
        case "400", "431" -> Status.Code.INTERNAL;
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

  /**
   * grpc-status and grpc-message of the trailers, read by grpc-java's own keys (the code's
   * parsing, the message's percent-decoding).
   */
  static Status grpcStatus(List<Header> trailers) {
    byte[][] serialized = new byte[trailers.size() * 2][];
    for (int i = 0; i < trailers.size(); i++) {
      serialized[2 * i] = trailers.get(i).name().getBytes(StandardCharsets.ISO_8859_1);
      serialized[2 * i + 1] = trailers.get(i).value().getBytes(StandardCharsets.ISO_8859_1);
    }
    Metadata metadata = InternalMetadata.newMetadata(serialized);
    Status status = metadata.get(InternalStatus.CODE_KEY);
    if (status == null) {
      return Status.UNKNOWN.withDescription("sandboxd's answer carries no grpc-status");
    }
    String message = metadata.get(InternalStatus.MESSAGE_KEY);
    return message == null ? status : status.withDescription(message);
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

  private static byte[] unpadded(Frame f) {
    return fragment(f, false);
  }

  private static byte[] headerFragment(Frame f) {
    return fragment(f, (f.flags & PRIORITY) != 0);
  }

  /** The payload less its padding (PADDED) and a HEADERS frame's priority fields. */
  private static byte[] fragment(Frame f, boolean priority) {
    int start = 0;
    int end = f.payload.length;
    if ((f.flags & PADDED) != 0) {
      if (end == 0) {
        throw new ProtocolError("a padded frame without its pad length");
      }
      end -= f.payload[0] & 0xff;
      start = 1;
    }
    if (priority) {
      start += 5;
    }
    if (start > end) {
      throw new ProtocolError("a frame shorter than its padding and priority");
    }
    byte[] out = new byte[end - start];
    System.arraycopy(f.payload, start, out, 0, out.length);
    return out;
  }

  /** The frame's payload, which its kind fixes at so many bytes. */
  private static ByteBuffer payload(Frame f, int length) {
    if (f.payload.length != length) {
      throw new ProtocolError("a frame of type " + f.type + " with " + f.payload.length + " bytes, not " + length);
    }
    return ByteBuffer.wrap(f.payload);
  }

  /** gRPC's mapping of an HTTP/2 error code that reset the call. */
  static Status resetStatus(int code) {
    Status status = switch (code) {
      case 0x7 -> Status.UNAVAILABLE; // REFUSED_STREAM
      case 0x8 -> Status.CANCELLED;
      case 0xb -> Status.RESOURCE_EXHAUSTED; // ENHANCE_YOUR_CALM
      case 0xc -> Status.PERMISSION_DENIED; // INADEQUATE_SECURITY
      default -> Status.INTERNAL;
    };
    return status.withDescription("sandboxd reset the call (HTTP/2 error " + code + ")");
  }

  private record Frame(int type, int flags, int stream, byte[] payload) {}

  private Frame readFrame() throws IOException {
    if (System.nanoTime() >= deadlineNanos) { // also for a peer that never stops sending
      throw new DeadlineExceeded();
    }
    fill(9);
    int length = ((in.get() & 0xff) << 16) | ((in.get() & 0xff) << 8) | (in.get() & 0xff);
    int type = in.get() & 0xff;
    int flags = in.get() & 0xff;
    int stream = in.getInt() & 0x7fffffff;
    if (length > DEFAULT_MAX_FRAME) { // our SETTINGS_MAX_FRAME_SIZE is the default
      throw new ProtocolError("a frame of " + length + " bytes, above the 16384 allowed");
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
    if (Thread.interrupted()) { // select would return at once, for ever
      throw new InterruptedIOException("interrupted waiting for sandboxd");
    }
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0 || selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))) == 0
        && System.nanoTime() >= deadlineNanos) {
      throw new DeadlineExceeded();
    }
    selector.selectedKeys().clear();
  }

  /** An answer that is not HTTP/2 gRPC as this client speaks it: gRPC's INTERNAL. */
  static class ProtocolError extends RuntimeException {
    ProtocolError(String message) {
      super("sandboxd's answer is not valid HTTP/2 gRPC: " + message);
    }
  }

  /** The call's deadline passed before sandboxd answered. */
  static final class DeadlineExceeded extends IOException {
    DeadlineExceeded() {
      super("deadline exceeded waiting for sandboxd");
    }
  }
}
