package dev.sandboxd.image;

/** Image references as containerd's CRI reads them (docker's normalization). */
public final class ImageReferences {
  private ImageReferences() {}

  /**
   * The fully qualified form: a first component without '.', ':' or "localhost" is a Docker Hub
   * name ({@code busybox} → {@code docker.io/library/busybox:latest}); no tag or digest means
   * {@code :latest}.
   */
  public static String normalize(String reference) {
    String ref = reference;
    int slash = ref.indexOf('/');
    String first = slash < 0 ? "" : ref.substring(0, slash);
    if (slash < 0 || !(first.contains(".") || first.contains(":") || first.equals("localhost"))) {
      ref = "docker.io/" + (slash < 0 ? "library/" : "") + ref;
    }
    String last = ref.substring(ref.lastIndexOf('/') + 1);
    if (!last.contains(":") && !ref.contains("@")) {
      ref = ref + ":latest";
    }
    return ref;
  }

  /** The registry host of a normalized reference, as containerd asks for its credentials. */
  public static String host(String normalized) {
    return normalized.substring(0, normalized.indexOf('/'));
  }
}
