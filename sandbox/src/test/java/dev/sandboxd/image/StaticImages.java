package dev.sandboxd.image;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** Images as a fixed table: the pause image and busybox. */
public final class StaticImages implements ImageService {
  public static final String PAUSE = "localhost/sandboxd/pause:1.0";
  public static final String BUSYBOX = "localhost/sandboxd/busybox:1.35";

  /** The architecture the pause image's config names (none by default). */
  private final Optional<String> pauseArchitecture;

  public StaticImages() {
    this(Optional.empty());
  }

  public StaticImages(Optional<String> pauseArchitecture) {
    this.pauseArchitecture = pauseArchitecture;
  }

  @Override
  public List<ImageSummary> importArchive(InputStream archive) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<ImageSummary> importOwn(InputStream archive) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void remove(String reference) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<ImageSummary> list() {
    return List.of();
  }

  @Override
  public ResolvedImage resolve(String reference) {
    if (reference.equals(PAUSE)) {
      return new ResolvedImage(PAUSE, "sha256:p", new ImageConfig(List.of("/pause"), List.of(), List.of(),
          Optional.empty(), Optional.of("65535:65535"), Optional.empty()), "sha256:pausechain", pauseArchitecture);
    }
    if (reference.equals(BUSYBOX)) {
      return new ResolvedImage(BUSYBOX, "sha256:b", new ImageConfig(List.of(), List.of("sh"), List.of("PATH=/bin"),
          Optional.empty(), Optional.empty(), Optional.empty()), "sha256:busyboxchain", Optional.empty());
    }
    throw SandboxdException.notFound("image %s not found", reference);
  }

  @Override
  public void forget(String name) {}

  @Override
  public void forgetAll() {}
}
