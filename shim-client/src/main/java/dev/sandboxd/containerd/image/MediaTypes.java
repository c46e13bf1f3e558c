package dev.sandboxd.containerd.image;

/** The OCI and Docker media types an image import meets, classified as containerd's images package does. */
final class MediaTypes {
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

  private MediaTypes() {}

  static boolean isIndex(String mediaType) {
    return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
  }

  static boolean isManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  static boolean isConfig(String mediaType) {
    return OCI_CONFIG.equals(mediaType) || DOCKER_CONFIG.equals(mediaType);
  }

  static boolean isLayer(String mediaType) {
    if (mediaType.startsWith("application/vnd.oci.image.layer.")) {
      return true;
    }
    // Docker's layer types, with any "+suffix" stripped
    int plus = mediaType.indexOf('+');
    String base = plus < 0 ? mediaType : mediaType.substring(0, plus);
    return base.startsWith("application/vnd.docker.image.rootfs.diff.tar")
        || base.startsWith("application/vnd.docker.image.rootfs.foreign.diff.tar");
  }
}
