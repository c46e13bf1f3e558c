package dev.sandboxd.image;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The pause image: by default sandboxd's own, shipped inside the jar and imported into
 * containerd by sandboxd, so no registry is ever needed. --pause-image names another one,
 * which must already be in containerd's image store. Users cannot import over the pause image's
 * name (see ContainerdImages); should its record point elsewhere all the same (a direct import
 * into containerd), the embedded image is imported again before the next pod starts.
 */
public final class PauseImage {
  private static final String ARCHIVE = "pause-image.tar";
  private static final String REF = "pause-image.ref";

  private final ImageService images;
  private final String reference;
  private final boolean embedded;
  /** The manifest digest the embedded archive gave the reference when sandboxd last imported it. */
  private volatile String embeddedDigest;

  public PauseImage(ImageService images, String reference) {
    this.images = images;
    this.reference = reference;
    this.embedded = reference.equals(embeddedReference());
  }

  /** The reference of the image that ships in the jar. */
  public static String embeddedReference() {
    try (InputStream in = resource(REF)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw SandboxdException.internal("reading the embedded pause image reference", e);
    }
  }

  public String reference() {
    return reference;
  }

  /**
   * The pause image, resolved (one round trip to containerd while its record is unchanged). The
   * embedded one is imported from the jar when missing, on sandboxd's first use, and whenever the
   * record no longer points at what the jar holds.
   */
  public ImageService.ResolvedImage ensure() {
    if (!embedded) {
      try {
        return images.resolve(reference);
      } catch (SandboxdException.NotFound e) {
        throw SandboxdException.failedPrecondition(
            "pause image %s is not in containerd's image store: import it with `sandboxctl image import`, "
                + "or leave --pause-image unset to use the embedded one", reference);
      }
    }
    Optional<ImageService.ResolvedImage> current = currentEmbedded();
    if (current.isPresent()) {
      return current.get();
    }
    synchronized (this) {
      current = currentEmbedded(); // another pod's start may have imported it meanwhile
      if (current.isPresent()) {
        return current.get();
      }
      try (InputStream archive = resource(ARCHIVE)) {
        for (ImageService.ImageSummary image : images.importOwn(archive)) {
          if (image.name().equals(reference)) {
            embeddedDigest = image.digest();
          }
        }
      } catch (IOException io) {
        throw SandboxdException.internal("importing the embedded pause image", io);
      }
      return images.resolve(reference);
    }
  }

  /** The pause image if its record points at what sandboxd imported from the jar. */
  private Optional<ImageService.ResolvedImage> currentEmbedded() {
    String expected = embeddedDigest;
    if (expected == null) {
      return Optional.empty();
    }
    try {
      ImageService.ResolvedImage current = images.resolve(reference);
      return current.digest().equals(expected) ? Optional.of(current) : Optional.empty();
    } catch (SandboxdException.NotFound e) {
      return Optional.empty(); // removed behind sandboxd's back
    }
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = PauseImage.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException("resource " + name + " is missing from the jar (build with hack/build)");
    }
    return in;
  }
}
