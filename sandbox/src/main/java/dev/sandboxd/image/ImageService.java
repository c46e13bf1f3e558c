package dev.sandboxd.image;

import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import java.util.List;

/** Images in containerd's image store, as sandboxd uses them. No registry is ever contacted. */
public interface ImageService {

  /**
   * Imports an OCI image archive and unpacks it; returns the images it named. An archive naming
   * the node's pause image is refused (FailedPrecondition), as is one whose layers unpack to more
   * than the limit (ResourceExhausted); either leaves nothing behind.
   */
  List<ImageSummary> importArchive(InputStream archive);

  /** Imports an archive sandboxd ships itself (its pause image), which may name the pause image. */
  List<ImageSummary> importOwn(InputStream archive);

  /** Removes the image's record (containerd then collects what nothing uses); the pause image is refused. */
  void remove(String reference);

  List<ImageSummary> list();

  /**
   * The image's config and unpacked rootfs chain; fails with NotFound (naming the image and how
   * to import it) when the image is not in the store.
   */
  ResolvedImage resolve(String reference);

  /** Forgets what was resolved for this name: containerd says it changed. */
  void forget(String name);

  /** Forgets every resolution: changes may have been missed. */
  void forgetAll();

  /**
   * @param size bytes of the image's content for this platform (manifest, config, layers as stored)
   * @param lastUsed when a pod last needed it since sandboxd started
   */
  record ImageSummary(String name, String digest, long size, Optional<Instant> lastUsed) {
    public ImageSummary(String name, String digest, long size) {
      this(name, digest, size, Optional.empty());
    }
  }

  /**
   * An image ready to run: its process defaults, the snapshot chain its rootfs builds on, and the
   * architecture its config names (OCI terms: amd64, 386, arm64, ...), if it names one.
   */
  record ResolvedImage(String name, String digest, ImageConfig config, String chainId, Optional<String> architecture) {}
}
