package dev.sandboxd.containerd;

/** A live event stream; {@link #close()} ends it without calling the listener's onEnd. */
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
