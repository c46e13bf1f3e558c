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

  /** The kernel's limit: 64 bytes with the terminating NUL. */
  static final int MAX_HOSTNAME_LENGTH = 63;

  /**
   * The pod's hostname: spec.hostname, else its name, cut to 63 characters without a trailing
   * '-' or '.' as kubelet cuts it (a pod name may have up to 253).
   */
  public String hostname() {
    String hostname = spec.hostname().orElse(metadata.name());
    if (hostname.length() <= MAX_HOSTNAME_LENGTH) {
      return hostname;
    }
    String truncated = hostname.substring(0, MAX_HOSTNAME_LENGTH);
    int end = truncated.length();
    while (end > 0 && (truncated.charAt(end - 1) == '-' || truncated.charAt(end - 1) == '.')) {
      end--;
    }
    // A valid name starts with a letter or digit, so something always remains.
    return truncated.substring(0, end);
  }
}
