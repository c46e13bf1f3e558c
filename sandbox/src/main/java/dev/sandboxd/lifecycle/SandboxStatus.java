package dev.sandboxd.lifecycle;

import java.time.Instant;

/** The pause sandbox of a pod. pid is 0 when the pause task is not running. */
public record SandboxStatus(
    String id, State state, int pid, String cgroupPath, String netnsPath, Instant createdAt) {

  public enum State {
    NotReady,
    Ready,
    Stopped
  }
}
