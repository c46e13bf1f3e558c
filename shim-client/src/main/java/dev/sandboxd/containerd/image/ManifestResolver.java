package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.ContentStore;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.errdefs.SandboxdException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the manifest and config of one platform under an image target, walking indexes as
 * images.Manifest does: index entries whose platform does not run here are skipped, and a
 * manifest without a platform in its index entry is checked against its config.
 */
final class ManifestResolver {
  /** One platform's image: manifest, config and its parsed fields. */
  record PlatformImage(
      Descriptor manifest, OciDocuments.Manifest contents, Descriptor config, byte[] configJson,
      OciDocuments.Config parsedConfig) {}

  private final OciDocuments documents;
  private final Platform platform;

  ManifestResolver(OciDocuments documents, Platform platform) {
    this.documents = documents;
    this.platform = platform;
  }

  Platform platform() {
    return platform;
  }

  PlatformImage resolve(ContentStore content, String imageName, Descriptor target) {
    return find(content, target)
        .orElseThrow(
            () ->
                SandboxdException.failedPrecondition(
                    "image %s has no manifest for %s (target %s)", imageName, platform, target.digest()));
  }

  private Optional<PlatformImage> find(ContentStore content, Descriptor desc) {
    if (MediaTypes.isIndex(desc.mediaType())) {
      for (OciDocuments.IndexEntry entry : documents.index(read(content, desc), "index " + desc.digest())) {
        if (entry.platform().isPresent() && !platform.runs(entry.platform().get())) {
          continue;
        }
        Optional<PlatformImage> found = find(content, entry.descriptor());
        if (found.isPresent()) {
          return found;
        }
      }
      return Optional.empty();
    }
    if (MediaTypes.isManifest(desc.mediaType())) {
      OciDocuments.Manifest manifest = documents.manifest(read(content, desc), "manifest " + desc.digest());
      byte[] configJson = read(content, manifest.config());
      OciDocuments.Config config = documents.config(configJson, "image config " + manifest.config().digest());
      Platform image = config.platform();
      // A config that does not say (some hand-made images) is taken to fit.
      if (!image.os().isEmpty() && !image.architecture().isEmpty() && !platform.runs(image)) {
        return Optional.empty();
      }
      return Optional.of(new PlatformImage(desc, manifest, manifest.config(), configJson, config));
    }
    throw SandboxdException.invalidArgument(
        "%s: media type %s is neither an image index nor a manifest", desc.digest(), desc.mediaType());
  }

  /** Reads a JSON document blob, checking the size its referrer claims. */
  static byte[] read(ContentStore content, Descriptor desc) {
    byte[] doc = content.readBlob(desc.digest(), ArchiveIngester.MAX_DOCUMENT_SIZE);
    if (doc.length != desc.size()) {
      throw SandboxdException.invalidArgument(
          "blob %s is %d bytes, but its descriptor says %d", desc.digest(), doc.length, desc.size());
    }
    return doc;
  }

  /** The children of an index (platform-filtered) or a manifest (config, then layers); none for others. */
  List<Descriptor> children(ContentStore content, Descriptor desc) {
    if (MediaTypes.isIndex(desc.mediaType())) {
      return documents.index(read(content, desc), "index " + desc.digest()).stream()
          .filter(e -> e.platform().isEmpty() || platform.runs(e.platform().get()))
          .map(OciDocuments.IndexEntry::descriptor)
          .toList();
    }
    if (MediaTypes.isManifest(desc.mediaType())) {
      OciDocuments.Manifest m = documents.manifest(read(content, desc), "manifest " + desc.digest());
      return Stream.concat(Stream.of(m.config()), m.layers().stream()).toList();
    }
    return List.of();
  }
}
