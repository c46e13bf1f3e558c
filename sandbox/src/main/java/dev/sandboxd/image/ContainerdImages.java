package dev.sandboxd.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.image.ImportedImage;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** {@link ImageService} over containerd's image and content stores (shim-client's importer). */
public final class ContainerdImages implements ImageService {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Containerd client;
  private final dev.sandboxd.containerd.image.ImageService images;
  /**
   * Resolutions by image name. Content is addressed by digest, so one stays right as long as the
   * name points at the same manifest: checking that is one round trip instead of four (image,
   * manifest, config, snapshot). One small entry per image name ever run.
   */
  private final Map<String, ResolvedImage> resolved = new ConcurrentHashMap<>();
  /** Names users may not import over nor remove: the node's pause image, which every pod needs. */
  private final Set<String> reserved;

  public ContainerdImages(Containerd client, dev.sandboxd.containerd.image.ImageService images, Set<String> reserved) {
    this.client = client;
    this.images = images;
    this.reserved = Set.copyOf(reserved);
  }

  @Override
  public List<ImageSummary> importArchive(InputStream archive) {
    return summaries(images.importArchive(archive, this::refuseReserved));
  }

  @Override
  public List<ImageSummary> importOwn(InputStream archive) {
    return summaries(images.importArchive(archive));
  }

  @Override
  public void remove(String reference) {
    refuseReserved(reference);
    try {
      images.remove(reference);
    } finally {
      resolved.remove(reference);
    }
  }

  private void refuseReserved(String name) {
    if (reserved.contains(name)) {
      throw SandboxdException.failedPrecondition(
          "image %s is this node's pause image, which every pod needs: it cannot be imported over or removed "
              + "(sandboxd imports it itself; another pause image is set with --pause-image)", name);
    }
  }

  private static List<ImageSummary> summaries(List<ImportedImage> imported) {
    List<ImageSummary> out = new ArrayList<>();
    for (ImportedImage image : imported) {
      out.add(new ImageSummary(image.name(), image.target().digest(), image.target().size()));
    }
    return out;
  }

  @Override
  public List<ImageSummary> list() {
    return client.images().list().stream()
        .map(i -> new ImageSummary(i.name(), i.target().digest(), i.target().size()))
        .toList();
  }

  @Override
  public ResolvedImage resolve(String reference) {
    try {
      String digest = client.images().get(reference).target().digest();
      ResolvedImage cached = resolved.get(reference);
      if (cached != null && cached.digest().equals(digest)) {
        return cached;
      }
      dev.sandboxd.containerd.image.ResolvedImage image = images.resolve(reference);
      ResolvedImage fresh = new ResolvedImage(
          image.name(), image.target().digest(), config(reference, image.configJson()), image.chainId());
      resolved.put(reference, fresh);
      return fresh;
    } catch (SandboxdException.NotFound e) {
      throw SandboxdException.notFound(
          "image %s is not in containerd's image store: import it with `sandboxctl image import FILE.tar` "
              + "(sandboxd never pulls from a registry)", reference);
    }
  }

  /** The process defaults of an OCI image config ("config" object; all fields optional). */
  static ImageConfig config(String reference, byte[] configJson) {
    try {
      JsonNode config = JSON.readTree(configJson).path("config");
      return new ImageConfig(
          strings(config.path("Entrypoint")),
          strings(config.path("Cmd")),
          strings(config.path("Env")),
          text(config.path("WorkingDir")),
          text(config.path("User")),
          text(config.path("StopSignal")));
    } catch (IOException e) {
      throw SandboxdException.failedPrecondition("image %s has an unreadable config: %s", reference, e.getMessage());
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Optional<String> text(JsonNode node) {
    return node.isTextual() && !node.asText().isEmpty() ? Optional.of(node.asText()) : Optional.empty();
  }
}
