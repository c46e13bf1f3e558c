package dev.sandboxd.image;

/** This node's platform in OCI (GOARCH) terms: what images are pulled for and pauses checked against. */
public final class NodePlatform {
  /** The node's architecture: amd64, arm64, 386, s390x, ... */
  public static final String ARCHITECTURE = ociArchitecture(System.getProperty("os.arch"));

  private NodePlatform() {}

  /** Java's os.arch in OCI (GOARCH) terms. */
  static String ociArchitecture(String javaArch) {
    return switch (javaArch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      default -> javaArch;
    };
  }
}
