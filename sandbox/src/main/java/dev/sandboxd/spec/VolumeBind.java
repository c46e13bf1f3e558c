package dev.sandboxd.spec;

import java.util.Objects;

/**
 * A volume mount already resolved by the volume code: the host directory or file to bind at
 * containerPath (absolute) inside the container.
 */
public record VolumeBind(String hostPath, String containerPath, boolean readOnly) {

  public VolumeBind {
    Objects.requireNonNull(hostPath, "hostPath");
    Objects.requireNonNull(containerPath, "containerPath");
    if (!containerPath.startsWith("/")) {
      throw new IllegalArgumentException("containerPath must be absolute: " + containerPath);
    }
  }
}
