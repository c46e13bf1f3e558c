package dev.sandboxd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PauseImageTest {
  private static final String EMBEDDED = "sha256:embedded";

  /** containerd's record of the pause image, which something other than sandboxd may change. */
  private static final class Store implements ImageService {
    String digest;
    int imports;

    @Override
    public void forget(String name) {}

    @Override
    public void forgetAll() {}

    @Override
    public List<ImageSummary> importOwn(InputStream archive) {
      imports++;
      digest = EMBEDDED;
      return List.of(new ImageSummary(PauseImage.embeddedReference(), EMBEDDED, 1));
    }

    @Override
    public ResolvedImage resolve(String reference) {
      if (digest == null) {
        throw SandboxdException.notFound("image %s not found", reference);
      }
      return new ResolvedImage(reference, digest,
          new ImageConfig(List.of("/pause"), List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty()), "chain-" + digest,
          Optional.empty());
    }

    @Override
    public List<ImageSummary> importArchive(InputStream archive) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void remove(String reference) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<ImageSummary> list() {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void theEmbeddedImageIsImportedOnceAndAgainWhenItsRecordWasChangedOrRemoved() {
    Store store = new Store();
    store.digest = "sha256:left-by-an-older-sandboxd";
    PauseImage pause = new PauseImage(store, PauseImage.embeddedReference());

    assertEquals(EMBEDDED, pause.ensure().digest());
    assertEquals(EMBEDDED, pause.ensure().digest());
    assertEquals(1, store.imports, "imported on first use only");

    store.digest = "sha256:impostor";
    assertEquals(EMBEDDED, pause.ensure().digest());
    assertEquals(2, store.imports);

    store.digest = null;
    assertEquals(EMBEDDED, pause.ensure().digest());
    assertEquals(3, store.imports);
  }

  @Test
  void anotherPauseImageMustBeThereAndIsNeverImported() {
    Store store = new Store();
    PauseImage pause = new PauseImage(store, "localhost/other/pause:1");
    assertThrows(SandboxdException.FailedPrecondition.class, pause::ensure);
    store.digest = "sha256:other";
    assertEquals("sha256:other", pause.ensure().digest());
    assertEquals(0, store.imports);
  }
}
