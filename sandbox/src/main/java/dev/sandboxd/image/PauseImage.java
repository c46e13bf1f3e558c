package dev.sandboxd.image;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The pause image: by default sandboxd's own, shipped inside the jar and imported into
 * containerd on first use, so no registry is ever needed. --pause-image names another one,
 * which must already be in containerd's image store.
 */
public final class PauseImage {
  private static final String ARCHIVE = "pause-image.tar";
  private static final String REF = "pause-image.ref";

  private final ImageService images;
  private final String reference;
  private volatile ImageService.ResolvedImage resolved;

  public PauseImage(ImageService images, String reference) {
    this.images = images;
    this.reference = reference;
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

  /** The pause image, imported from the jar first if it is the embedded one and missing. */
  public ImageService.ResolvedImage ensure() {
    ImageService.ResolvedImage cached = resolved;
    if (cached != null) {
      return cached;
    }
    synchronized (this) {
      if (resolved != null) {
        return resolved;
      }
      try {
        resolved = images.resolve(reference);
      } catch (SandboxdException.NotFound e) {
        if (!reference.equals(embeddedReference())) {
          throw SandboxdException.failedPrecondition(
              "pause image %s is not in containerd's image store: import it with `sandboxctl image import`, "
                  + "or leave --pause-image unset to use the embedded one", reference);
        }
        try (InputStream archive = resource(ARCHIVE)) {
          images.importArchive(archive);
        } catch (IOException io) {
          throw SandboxdException.internal("importing the embedded pause image", io);
        }
        resolved = images.resolve(reference);
      }
      return resolved;
    }
  }

  /** Forgets the cached resolution (the image may have been removed from containerd). */
  public void invalidate() {
    resolved = null;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = PauseImage.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException("resource " + name + " is missing from the jar (build with hack/build)");
    }
    return in;
  }
}
