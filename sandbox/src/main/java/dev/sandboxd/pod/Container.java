package dev.sandboxd.pod;

import java.util.List;
import java.util.Optional;

/**
 * One entry of spec.containers or spec.initContainers. command/args empty means "use the
 * image's entrypoint/cmd", as in Kubernetes.
 */
public record Container(
    String name,
    String image,
    List<String> command,
    List<String> args,
    List<EnvVar> env,
    Optional<String> workingDir,
    List<VolumeMount> volumeMounts,
    SecurityContext securityContext,
    ResourceRequirements resources) {

  public Container {
    command = List.copyOf(command);
    args = List.copyOf(args);
    env = List.copyOf(env);
    volumeMounts = List.copyOf(volumeMounts);
  }
}
