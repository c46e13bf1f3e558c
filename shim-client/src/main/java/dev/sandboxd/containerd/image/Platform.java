package dev.sandboxd.containerd.image;

import java.util.Locale;

/**
 * An image platform, as in an OCI index entry or image config. Architecture names are normalized
 * the way Go names them (x86_64 is amd64).
 */
public record Platform(String os, String architecture, String variant) {
  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", "");

  public Platform {
    os = os == null ? "" : os.toLowerCase(Locale.ROOT);
    architecture = normalizeArchitecture(architecture == null ? "" : architecture.toLowerCase(Locale.ROOT));
    variant = variant == null ? "" : variant;
  }

  /**
   * True if an image for {@code image} runs on this platform: same OS and architecture, and the
   * same variant when this platform names one.
   */
  public boolean runs(Platform image) {
    return os.equals(image.os)
        && architecture.equals(image.architecture)
        && (variant.isEmpty() || variant.equals(image.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }

  private static String normalizeArchitecture(String arch) {
    return switch (arch) {
      case "x86_64", "x86-64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
  }
}
