package dev.sandboxd.containerd;

import java.time.Instant;
import java.util.Optional;

/**
 * A task's process as containerd reports it (its API's {@code Process}; named apart from the
 * domain's {@code ContainerRuntime.TaskInfo}, which is built from it).
 *
 * @param id the container id
 * @param exitStatus meaningful only when {@code exitedAt} is present
 */
public record TaskProcess(String id, int pid, ProcessStatus status, int exitStatus, Optional<Instant> exitedAt) {}
