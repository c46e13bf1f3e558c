package dev.sandboxd.server;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Sends a server stream's messages only while the client takes them (gRPC flow control:
 * {@code isReady}, the on-ready handler), so sandboxd holds at most maxQueued messages of a
 * stream, however slow or stuck its client. Without this, onNext buffers without bound: two slow
 * readers of a big log took sandboxd to 5.2 GB.
 *
 * <p>Producers either wait for room ({@link #send}, for a log read at the pace of its reader) or
 * must not wait ({@link #offer}, for events published on a thread that serves everyone): then a
 * client that falls maxQueued messages behind gets its stream failed.
 */
final class FlowControlledSender<T> {
  /**
   * Callbacks of a call may be held back while its handler runs; a producer on the handler's
   * thread then learns of readiness by looking again after this long.
   */
  private static final long RECHECK_MILLIS = 200;

  private final ServerCallStreamObserver<T> stream;
  private final int maxQueued;
  private final Runnable onClose;
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private boolean completing;
  private boolean closed;

  /** onClose runs once when the stream ends: completed, failed or cancelled by the client. */
  FlowControlledSender(ServerCallStreamObserver<T> stream, int maxQueued, Runnable onClose) {
    this.stream = stream;
    this.maxQueued = maxQueued;
    this.onClose = onClose;
    stream.setOnReadyHandler(this::drain);
    stream.setOnCancelHandler(() -> close(null));
  }

  /**
   * Queues the message without waiting. When maxQueued already wait, fails the stream with
   * overflow's error instead. False when the message will not be sent.
   */
  boolean offer(T message, Supplier<RuntimeException> overflow) {
    synchronized (this) {
      if (closed || completing) {
        return false;
      }
      if (queue.size() < maxQueued) {
        queue.add(message);
        drain();
        return true;
      }
    }
    fail(overflow.get());
    return false;
  }

  /** Queues the message, waiting while maxQueued wait; false when the stream ended meanwhile. */
  synchronized boolean send(T message) throws InterruptedException {
    while (!closed && queue.size() >= maxQueued) {
      wait(RECHECK_MILLIS);
      drain();
    }
    if (closed || completing) {
      return false;
    }
    queue.add(message);
    drain();
    return true;
  }

  /** Completes the stream once every queued message is sent. */
  synchronized void complete() {
    completing = true;
    drain();
  }

  /** Ends the stream with this error now; what is still queued is dropped. */
  void fail(RuntimeException error) {
    close(error);
  }

  private synchronized void drain() {
    while (!closed && !queue.isEmpty() && stream.isReady()) {
      stream.onNext(queue.poll());
    }
    if (!closed && completing && queue.isEmpty()) {
      closed = true;
      stream.onCompleted();
      onClose.run();
    }
    notifyAll();
  }

  /** error null: the client cancelled. */
  private void close(RuntimeException error) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.clear();
      if (error != null) {
        PodsService.fail(stream, error);
      }
      notifyAll();
    }
    onClose.run();
  }
}
