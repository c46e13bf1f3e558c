package dev.sandboxd.containerd;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.Optional;

/**
 * Receives a subscription's events, one at a time in stream order, on a gRPC thread: hand long
 * work to another thread.
 */
public interface EventListener {
  void onEvent(ContainerdEvent event);

  /**
   * The stream ended without the subscriber closing it: containerd stopped or restarted ({@code
   * error} present, usually Unavailable), or closed the stream. Called at most once, and never
   * after {@link Subscription#close()}; subscribe again to continue.
   */
  void onEnd(Optional<SandboxdException> error);
}
