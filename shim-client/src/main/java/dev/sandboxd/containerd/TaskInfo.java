package dev.sandboxd.containerd;

import java.time.Instant;
import java.util.Optional;

/**
 * A task's process as containerd reports it.
 *
 * @param id the container id
 * @param exitStatus meaningful only when {@code exitedAt} is present
 */
public record TaskInfo(String id, int pid, TaskStatus status, int exitStatus, Optional<Instant> exitedAt) {}
