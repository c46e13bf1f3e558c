package dev.sandboxd.probe;

import dev.sandboxd.container.ExecResult;
import java.time.Duration;
import java.util.List;

/**
 * Runs a command in a container and waits for it (the pod code adapts ContainerManager.exec).
 * A command that outlives timeout is killed and reported by throwing; so is any other failure to run it.
 */
@FunctionalInterface
public interface ExecProbeCommand {
  ExecResult exec(String containerId, List<String> command, Duration timeout);
}
