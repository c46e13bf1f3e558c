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
    ResourceRequirements resources,
    Supervision supervision,
    ImagePullPolicy imagePullPolicy,
    List<ContainerPort> ports) {

  /** A container with Kubernetes' default pull policy for its image, without ports. */
  public Container(
      String name,
      String image,
      List<String> command,
      List<String> args,
      List<EnvVar> env,
      Optional<String> workingDir,
      List<VolumeMount> volumeMounts,
      SecurityContext securityContext,
      ResourceRequirements resources,
      Supervision supervision) {
    this(name, image, command, args, env, workingDir, volumeMounts, securityContext, resources, supervision,
        ImagePullPolicy.defaultFor(image), List.of());
  }

  /** A container with no resources, probes, hooks or sidecar policy. */
  public Container(
      String name,
      String image,
      List<String> command,
      List<String> args,
      List<EnvVar> env,
      Optional<String> workingDir,
      List<VolumeMount> volumeMounts,
      SecurityContext securityContext) {
    this(name, image, command, args, env, workingDir, volumeMounts, securityContext, ResourceRequirements.NONE, Supervision.NONE);
  }

  public Container {
    command = List.copyOf(command);
    args = List.copyOf(args);
    env = List.copyOf(env);
    volumeMounts = List.copyOf(volumeMounts);
    ports = List.copyOf(ports);
  }
}
