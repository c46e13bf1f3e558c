package dev.sandboxd.pod;

/**
 * A validated Kubernetes v1 Pod, as sandboxd runs it: defaults filled in, every name and path
 * checked. Built only by {@link PodManifests}; everything downstream may trust it.
 */
public record Pod(PodMeta metadata, PodSpec spec) {

  /** "namespace/name", the pod's unique human name on this node. */
  public String fullName() {
    return metadata.namespace() + "/" + metadata.name();
  }

  /** The pod's hostname: spec.hostname, else its name (as kubelet sets it). */
  public String hostname() {
    return spec.hostname().orElse(metadata.name());
  }
}
