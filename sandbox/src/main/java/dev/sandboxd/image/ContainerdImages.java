package dev.sandboxd.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.image.ImageStore;
import dev.sandboxd.containerd.image.ImportedImage;
import dev.sandboxd.containerd.image.StoredImage;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** {@link ImageService} over containerd's image and content stores (shim-client's importer). */
public final class ContainerdImages implements ImageService {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Containerd client;
  private final ImageStore images;
  /**
   * Resolutions by image name. Content is addressed by digest, so one stays right as long as the
   * name points at the same manifest; containerd's image events say when a name changes (see
   * {@link #forget}), so a cached name costs no round trip at all. One small entry per image name
   * ever run.
   */
  private final Map<String, ResolvedImage> resolved = new ConcurrentHashMap<>();
  /** Moves on every forget, so a resolution that raced with one is not cached. */
  private final AtomicLong changes = new AtomicLong();
  /** When a pod last needed each image (resolved it), by containerd's name; since sandboxd started. */
  private final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();
  private final Clock clock = Clock.systemUTC();
  /** Names users may not import over nor remove: the node's pause image, which every pod needs. */
  private final Set<String> reserved;

  public ContainerdImages(Containerd client, ImageStore images, Set<String> reserved) {
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
      forget(reference);
      lastUsed.remove(reference);
    }
  }

  private void refuseReserved(String name) {
    if (reserved.contains(name)) {
      throw SandboxdException.failedPrecondition(
          "image %s is this node's pause image, which every pod needs: it cannot be imported over or removed "
              + "(sandboxd imports it itself; another pause image is set with --pause-image)", name);
    }
  }

  private List<ImageSummary> summaries(List<ImportedImage> imported) {
    List<ImageSummary> out = new ArrayList<>();
    for (ImportedImage image : imported) {
      forget(image.name());
      out.add(new ImageSummary(image.name(), image.target().digest(), image.target().size()));
    }
    return out;
  }

  /** How many images containerd holds: one call, none of list()'s reads of each image's content. */
  public int count() {
    return client.images().list().size();
  }

  /** Each image's content size and when a pod last needed it; an image of another platform only shows its index. */
  @Override
  public List<ImageSummary> list() {
    List<ImageSummary> out = new ArrayList<>();
    for (var i : client.images().list()) {
      long size = i.target().size();
      try {
        size = images.resolve(i.name()).size();
      } catch (SandboxdException e) {
        // not for this platform, or content missing: the record's own size is all there is
      }
      out.add(new ImageSummary(i.name(), i.target().digest(), size, Optional.ofNullable(lastUsed.get(i.name()))));
    }
    return out;
  }

  @Override
  public ResolvedImage resolve(String reference) {
    ResolvedImage cached = resolved.get(reference);
    if (cached != null) {
      lastUsed.put(cached.name(), clock.instant());
      return cached;
    }
    long before = changes.get();
    try {
      StoredImage image = stored(reference);
      JsonNode config = parsedConfig(reference, image.configJson());
      ResolvedImage fresh = new ResolvedImage(image.name(), image.target().digest(), processDefaults(config),
          image.chainId(), architecture(config));
      lastUsed.put(image.name(), clock.instant());
      if (changes.get() == before) {
        resolved.put(reference, fresh);
      }
      return fresh;
    } catch (SandboxdException.NotFound e) {
      throw SandboxdException.notFound(
          "image %s is not in containerd's image store: pull it (`sandboxctl image pull`) or import it "
              + "(`sandboxctl image import FILE.tar`)", reference);
    }
  }

  /** The image by its name as written, else by its normalized name (what a pull stores it as). */
  private StoredImage stored(String reference) {
    try {
      return images.resolve(reference);
    } catch (SandboxdException.NotFound e) {
      String normalized = ImageReferences.normalize(reference);
      if (normalized.equals(reference)) {
        throw e;
      }
      return images.resolve(normalized);
    }
  }

  @Override
  public void forget(String name) {
    changes.incrementAndGet();
    resolved.remove(name);
  }

  @Override
  public void forgetAll() {
    changes.incrementAndGet();
    resolved.clear();
  }

  /** An OCI image config, read once for both of what is taken from it. */
  static JsonNode parsedConfig(String reference, byte[] configJson) {
    try {
      return JSON.readTree(configJson);
    } catch (IOException e) {
      throw SandboxdException.failedPrecondition("image %s has an unreadable config: %s", reference, e.getMessage());
    }
  }

  /** The process defaults of an OCI image config ("config" object; all fields optional). */
  private static ImageConfig processDefaults(JsonNode imageConfig) {
    JsonNode config = imageConfig.path("config");
    return new ImageConfig(
        strings(config.path("Entrypoint")),
        strings(config.path("Cmd")),
        strings(config.path("Env")),
        text(config.path("WorkingDir")),
        text(config.path("User")),
        text(config.path("StopSignal")));
  }

  /** The config's "architecture" (a top-level field, beside "config"). */
  static Optional<String> architecture(JsonNode imageConfig) {
    return text(imageConfig.path("architecture"));
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
