package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.ContentStore;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.containerd.Snapshots;
import dev.sandboxd.errdefs.SandboxdException;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * How much one import may unpack, counted before anything is unpacked: a few MB of compressed
 * zeros unpack to gigabytes, and containerd's diff service writes whatever a layer holds. Each
 * layer not unpacked yet is decompressed here (from the content store, into nothing) and its bytes
 * counted; the count stops at the limit. Layers shared by several images of the archive, or
 * already unpacked by an earlier import, cost nothing.
 */
final class UnpackBudget {
  private final long limit;
  private long used;
  private final Set<String> counted = new HashSet<>();

  UnpackBudget(long limit) {
    this.limit = limit;
  }

  /** Counts the image's layers that are not unpacked yet; throws ResourceExhausted past the limit. */
  void reserve(ContentStore content, Snapshots snapshots, String imageName, ManifestResolver.PlatformImage image) {
    List<Descriptor> layers = image.contents().layers();
    List<String> chain = ChainIds.of(image.parsedConfig().diffIds());
    for (int i = 0; i < layers.size(); i++) {
      Descriptor layer = layers.get(i);
      if (i < chain.size() && snapshots.stat(chain.get(i)).isPresent() || !counted.add(layer.digest())) {
        continue;
      }
      used += unpackedSize(content, layer, limit - used);
      if (used > limit) {
        throw SandboxdException.resourceExhausted(
            "image %s: its layers unpack to more than the limit of %d bytes (image-max-unpacked-size); nothing was imported",
            imageName, limit);
      }
    }
  }

  /** The layer's uncompressed size, or any number above budget once it exceeds it. */
  private static long unpackedSize(ContentStore content, Descriptor layer, long budget) {
    String type = layer.mediaType();
    boolean gzip = type.endsWith("+gzip") || type.endsWith(".tar.gzip");
    boolean zstd = type.endsWith("+zstd");
    if (!gzip && !zstd) {
      return layer.size();
    }
    try (InputStream blob = content.openBlob(layer.digest());
        InputStream raw = gzip ? new GZIPInputStream(blob, 64 << 10) : new ZstdInputStream(blob)) {
      byte[] sink = new byte[64 << 10];
      long total = 0;
      for (int n = raw.read(sink); n >= 0 && total <= budget; n = raw.read(sink)) {
        total += n;
      }
      return total;
    } catch (IOException | RuntimeException e) {
      if (e instanceof SandboxdException s) {
        throw s;
      }
      throw SandboxdException.invalidArgument("image archive: layer %s (%s) does not decompress: %s", layer.digest(), type, e.getMessage());
    }
  }
}
