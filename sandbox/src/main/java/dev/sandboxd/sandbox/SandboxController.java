package dev.sandboxd.sandbox;

import dev.sandboxd.pod.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Owns a pod's sandbox (the pause task and what it holds), after containerd's
 * core/sandbox Controller: create, start, platform, stop, wait, status, shutdown. Serving this to
 * containerd as a proxy sandbox plugin is a thin adapter over the same calls.
 */
public interface SandboxController {

  /** Creates the sandbox's containerd objects (no task yet). */
  SandboxInfo create(Pod pod, String sandboxId, String cgroupPath);

  /** Starts the pause task; returns the sandbox with its pid. */
  SandboxInfo start(String sandboxId);

  Platform platform(String sandboxId);

  /** Stops the pause task: SIGTERM, then SIGKILL after timeout. Idempotent. */
  void stop(String sandboxId, Duration timeout);

  /** Waits up to timeout for the pause task to exit. */
  Optional<Instant> waitExit(String sandboxId, Duration timeout);

  SandboxInfo status(String sandboxId);

  /** Deletes every containerd object of the sandbox. Idempotent. */
  void shutdown(String sandboxId);

  /** @param pid 0 when the pause task does not run */
  record SandboxInfo(String id, int pid, boolean running, String netnsPath, Instant createdAt) {}

  record Platform(String os, String architecture) {}
}
