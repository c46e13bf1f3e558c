package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.containerd.Mount;
import dev.sandboxd.containerd.Snapshots;
import dev.sandboxd.errdefs.SandboxdException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Unpacks an image's layers into committed snapshots named by chain ID, as containerd's unpacker
 * does one layer at a time: prepare an extraction snapshot on the parent chain, apply the layer
 * through the diff service, check the result is the layer's diff ID, commit. Layers already
 * unpacked (by any image) are skipped. The GC labels it sets keep the snapshots alive through
 * the image: the config names the top snapshot, each snapshot its parent.
 */
final class Unpacker {
  private final String snapshotter;
  private final Random random;

  Unpacker(String snapshotter, Random random) {
    this.snapshotter = snapshotter;
    this.random = random;
  }

  /** Unpacks and returns the top chain ID (empty for an image without layers). */
  String unpack(Containerd c, String imageName, ManifestResolver.PlatformImage image) {
    OciDocuments.Config config = image.parsedConfig();
    List<Descriptor> layers = image.contents().layers();
    List<String> diffIds = config.diffIds();
    if (!config.rootfsType().isEmpty() && !config.rootfsType().equals("layers")) {
      throw SandboxdException.invalidArgument(
          "image %s: config %s: rootfs.type %s is not supported (want layers)",
          imageName, image.config().digest(), config.rootfsType());
    }
    if (layers.size() != diffIds.size()) {
      throw SandboxdException.invalidArgument(
          "image %s: manifest %s has %d layers but its config %d diff_ids",
          imageName, image.manifest().digest(), layers.size(), diffIds.size());
    }
    List<String> chain = ChainIds.of(diffIds);
    Snapshots snapshots = c.snapshots(snapshotter);
    for (int i = 0; i < layers.size(); i++) {
      String parent = i == 0 ? "" : chain.get(i - 1);
      if (unpackLayer(c, snapshots, imageName, layers.get(i), diffIds.get(i), chain.get(i), parent)) {
        // The uncompressed digest is now verified; later imports can find the layer by it.
        c.content().updateLabels(layers.get(i).digest(), Map.of(GcLabels.UNCOMPRESSED, diffIds.get(i)));
      }
    }
    if (chain.isEmpty()) {
      return "";
    }
    String top = chain.get(chain.size() - 1);
    c.content().updateLabels(image.config().digest(), GcLabels.forUnpackedConfig(snapshotter, top));
    return top;
  }

  /** False if the layer's snapshot existed already. */
  private boolean unpackLayer(
      Containerd c, Snapshots snapshots, String imageName, Descriptor layer, String diffId, String chainId,
      String parent) {
    if (snapshots.stat(chainId).isPresent()) {
      return false;
    }
    Map<String, String> labels = GcLabels.forExtraction(layer, chainId, diffId, parent);
    String key = "extract-" + uniquePart() + " " + chainId;
    List<Mount> mounts;
    try {
      mounts = snapshots.prepare(key, parent, labels);
    } catch (SandboxdException.AlreadyExists e) {
      // Another unpack of the same chain raced us (or the key collided): fine if it committed.
      if (snapshots.stat(chainId).isPresent()) {
        return false;
      }
      throw e;
    }
    try {
      Descriptor applied = c.diffs().apply(layer, mounts);
      if (!applied.digest().equals(diffId)) {
        throw SandboxdException.invalidArgument(
            "image %s: layer %s unpacks to %s, but the config's diff_id is %s",
            imageName, layer.digest(), applied.digest(), diffId);
      }
      snapshots.commit(chainId, key, labels);
      return true;
    } catch (SandboxdException.AlreadyExists e) {
      // Committed by a concurrent unpack meanwhile: ours is surplus.
      removeQuietly(snapshots, key, null);
      return false;
    } catch (RuntimeException e) {
      removeQuietly(snapshots, key, e);
      throw e;
    }
  }

  private static void removeQuietly(Snapshots snapshots, String key, RuntimeException cause) {
    try {
      snapshots.remove(key);
    } catch (SandboxdException e) {
      // Left to GC: the extraction snapshot lives only as long as the import's lease.
      if (cause != null) {
        cause.addSuppressed(e);
      }
    }
  }

  // Like the unpacker's uniquePart: extraction keys of concurrent unpacks never collide.
  private String uniquePart() {
    byte[] b = new byte[6];
    random.nextBytes(b);
    return System.nanoTime() + "-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
