package dev.sandboxd.pod;

/** A container's imagePullPolicy, with Kubernetes' default. */
public enum ImagePullPolicy {
  Always,
  IfNotPresent,
  Never;

  /**
   * Kubernetes' default: {@code Always} for an image tagged {@code :latest} or not tagged at all
   * (a digest counts as pinned), else {@code IfNotPresent}.
   */
  public static ImagePullPolicy defaultFor(String image) {
    if (image.contains("@")) {
      return IfNotPresent;
    }
    String lastPart = image.substring(image.lastIndexOf('/') + 1);
    int colon = lastPart.lastIndexOf(':');
    if (colon < 0 || lastPart.substring(colon + 1).equals("latest")) {
      return Always;
    }
    return IfNotPresent;
  }
}
