package dev.sandboxd.image;

import java.util.List;
import java.util.Optional;

/**
 * The parts of an OCI image config that shape a container's process: what to run, its
 * environment ("K=V"), working directory, user ("uid", "uid:gid" or a name) and stop signal.
 */
public record ImageConfig(
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    Optional<String> workingDir,
    Optional<String> user,
    Optional<String> stopSignal) {

  public ImageConfig {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
  }
}
