package dev.sandboxd.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;

/** A server stream whose readiness the test sets, recording what was sent. */
final class FakeServerStream<T> extends ServerCallStreamObserver<T> {
  final List<T> sent = new ArrayList<>();
  volatile boolean ready;
  volatile boolean cancelled;
  volatile boolean completed;
  volatile Status error;
  private Runnable onReady = () -> {};
  private Runnable onCancel = () -> {};

  /** The client took everything: the stream is ready again, and gRPC says so. */
  void becomeReady() {
    ready = true;
    onReady.run();
  }

  void cancel() {
    cancelled = true;
    ready = false;
    onCancel.run();
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void setOnCancelHandler(Runnable handler) {
    onCancel = handler;
  }

  @Override
  public void setCompression(String compression) {}

  @Override
  public boolean isReady() {
    return ready;
  }

  @Override
  public void setOnReadyHandler(Runnable handler) {
    onReady = handler;
  }

  @Override
  public void request(int count) {}

  @Override
  public void setMessageCompression(boolean enable) {}

  @Override
  public void disableAutoInboundFlowControl() {}

  @Override
  public synchronized void onNext(T value) {
    if (!ready) {
      throw new AssertionError("onNext while the stream is not ready");
    }
    sent.add(value);
  }

  @Override
  public void onError(Throwable t) {
    error = Status.fromThrowable(t);
  }

  @Override
  public void onCompleted() {
    completed = true;
  }

  synchronized List<T> sent() {
    return new ArrayList<>(sent);
  }
}
