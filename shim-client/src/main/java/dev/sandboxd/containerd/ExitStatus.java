package dev.sandboxd.containerd;

import java.time.Instant;

/** How a process ended: its exit code (128 + signal when killed by a signal) and when. */
public record ExitStatus(int code, Instant exitedAt) {}
