package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Mount;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Images in containerd without a registry: import from OCI archives, unpack into the snapshotter,
 * and root filesystems for containers.
 */
public interface ImageStore {
  /**
   * Imports an OCI image layout tar (oci-layout, index.json, blobs/), like {@code ctr images
   * import}, and unpacks it: every image named in index.json (annotation {@code
   * io.containerd.image.name}, else {@code org.opencontainers.image.ref.name}) is created or
   * re-pointed, and its layers for this node's platform are unpacked. All or nothing: on failure
   * no image is created or changed and containerd's GC has removed what was written.
   *
   * @throws dev.sandboxd.errdefs.SandboxdException.InvalidArgument if the archive is malformed,
   *     truncated, names no image, or a blob does not match its digest
   */
  default List<ImportedImage> importArchive(InputStream archive) {
    return importArchive(archive, name -> {});
  }

  /**
   * {@link #importArchive(InputStream)}, with {@code nameCheck} called with every image name the
   * archive holds before anything is unpacked or named: it throws to refuse the import (e.g. a
   * name reserved for the node's pause image).
   *
   * @throws dev.sandboxd.errdefs.SandboxdException.ResourceExhausted if the new layers unpack to
   *     more than the configured limit (nothing is left behind)
   */
  List<ImportedImage> importArchive(InputStream archive, Consumer<String> nameCheck);

  /** Deletes the image's record; containerd's GC then removes what nothing else uses. */
  void remove(String imageName);

  /**
   * The image's manifest and config for this node's platform, and whether its rootfs is unpacked.
   *
   * @throws dev.sandboxd.errdefs.SandboxdException.NotFound if there is no such image
   * @throws dev.sandboxd.errdefs.SandboxdException.FailedPrecondition if it has no manifest for
   *     this platform
   */
  StoredImage resolve(String imageName);

  /**
   * A container's rootfs snapshot {@code snapshotKey} on top of the unpacked image {@code
   * chainId} (see {@link StoredImage#chainId()}): writable, or a read-only view. Returns its
   * mounts. Until a container record references the snapshot only a lease protects it from GC:
   * call this through a leased {@link dev.sandboxd.containerd.Containerd} (e.g. {@code
   * withTemporaryLease}) and create the container within the same lease, as containerd's
   * NewContainer does.
   */
  List<Mount> prepareRootfs(String snapshotKey, String chainId, boolean readOnly, Map<String, String> labels);
}
