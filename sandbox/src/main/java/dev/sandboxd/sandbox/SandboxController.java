package dev.sandboxd.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Owns sandboxes (a pause task and the namespaces it holds), after containerd's
 * core/sandbox Controller: create, start, platform, stop, wait, status, shutdown. sandboxd's pod
 * lifecycle calls it, and serving it to containerd as a proxy sandbox plugin is a thin adapter
 * over the same calls. Status and platform answer from memory.
 */
public interface SandboxController {

  /** Creates the sandbox's containerd objects (no task yet). */
  Sandbox create(SandboxSpec spec);

  /** Starts the pause task; returns the sandbox with its pid. */
  Sandbox start(String sandboxId);

  /** The sandbox's platform in OCI terms (os "linux", architecture "amd64", "arm64", ...). */
  Platform platform(String sandboxId);

  /** Stops the pause task: SIGTERM, then SIGKILL after timeout. Idempotent. */
  void stop(String sandboxId, Duration timeout);

  /** Completes when the pause task exits, or when the sandbox is shut down. */
  CompletableFuture<SandboxExit> waitExit(String sandboxId);

  /** The sandbox as last known, without a call to containerd. NotFound for an unknown id. */
  Sandbox status(String sandboxId);

  /**
   * Recovery: takes up a sandbox made before sandboxd restarted; its state is read from
   * containerd once. One whose pause task is gone shows as exited.
   */
  Sandbox adopt(String sandboxId, Instant createdAt);

  /** Deletes every containerd object of the sandbox and forgets it. Idempotent. */
  void shutdown(String sandboxId);

  enum State {
    /** Created, pause not started. */
    Created,
    /** The pause task runs. */
    Ready,
    /** The pause task has exited. */
    NotReady
  }

  /**
   * @param pid 0 unless the pause task runs
   * @param createdAt when the sandbox was created
   * @param exit how the pause task ended, once it did
   */
  record Sandbox(String id, State state, int pid, String netnsPath, Instant createdAt, Optional<SandboxExit> exit) {
    public boolean ready() {
      return state == State.Ready;
    }
  }

  record SandboxExit(int exitCode, Instant exitedAt) {}

  record Platform(String os, String architecture) {}
}
