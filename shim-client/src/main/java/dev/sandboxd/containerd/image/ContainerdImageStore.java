package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.ContentStore;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.containerd.ImageRecord;
import dev.sandboxd.containerd.Mount;
import dev.sandboxd.containerd.Snapshots;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@link ImageStore} on containerd's content, image, snapshot and diff services, following
 * containerd's client: {@code Import} (images/archive, SetChildrenLabels) and {@code Unpack}.
 */
public final class ContainerdImageStore implements ImageStore {
  /** Label on an import's lease, so leftovers of a crashed import can be told apart. */
  public static final String LEASE_LABEL = "sandboxd.lease";
  public static final String IMPORT_LEASE = "image-import";
  static final String IMAGE_NAME_ANNOTATION = "io.containerd.image.name";
  static final String REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

  private final Containerd containerd;
  private final ImageStoreOptions options;
  private final ArchiveIngester ingester;
  private final ManifestResolver resolver;
  private final Unpacker unpacker;

  public ContainerdImageStore(Containerd containerd, ImageStoreOptions options) {
    this.containerd = containerd;
    this.options = options;
    OciDocuments documents = new OciDocuments();
    this.ingester = new ArchiveIngester(documents, options.maxBlobSize());
    this.resolver = new ManifestResolver(documents, options.platform());
    this.unpacker = new Unpacker(options.snapshotter(), new SecureRandom());
  }

  public ContainerdImageStore(Containerd containerd) {
    this(containerd, ImageStoreOptions.DEFAULTS);
  }

  @Override
  public List<ImportedImage> importArchive(InputStream archive, Consumer<String> nameCheck) {
    return containerd.withTemporaryLease(
        Map.of(LEASE_LABEL, IMPORT_LEASE), options.leaseExpiry(), leased -> importWithin(leased, archive, nameCheck));
  }

  private List<ImportedImage> importWithin(Containerd c, InputStream archive, Consumer<String> nameCheck) {
    ArchiveIngester.Layout layout = ingester.ingest(c.content(), archive);
    Map<String, Descriptor> named = new LinkedHashMap<>();
    Set<String> labelled = new HashSet<>();
    for (int i = 0; i < layout.index().size(); i++) {
      OciDocuments.IndexEntry entry = layout.index().get(i);
      // Entries for other platforms are not kept: nothing would label their content for GC.
      if (entry.platform().isPresent() && !options.platform().runs(entry.platform().get())) {
        continue;
      }
      labelReferences(c.content(), entry.descriptor(), "index.json manifests[" + i + "]", labelled);
      imageName(entry.descriptor()).ifPresent(name -> named.put(name, entry.descriptor()));
    }
    if (named.isEmpty()) {
      throw SandboxdException.invalidArgument(
          "image archive: index.json names no image for %s (annotation %s or %s)",
          options.platform(), IMAGE_NAME_ANNOTATION, REF_NAME_ANNOTATION);
    }
    named.keySet().forEach(nameCheck);
    // Count what unpacking would write, then unpack, all before any image record exists: if
    // either fails, nothing outside the lease refers to the new content and GC takes all of it.
    Map<String, ManifestResolver.PlatformImage> resolved = new LinkedHashMap<>();
    UnpackBudget budget = new UnpackBudget(options.maxUnpackedSize());
    for (Map.Entry<String, Descriptor> image : named.entrySet()) {
      ManifestResolver.PlatformImage platformImage = resolver.resolve(c.content(), image.getKey(), image.getValue());
      budget.reserve(c.content(), c.snapshots(options.snapshotter()), image.getKey(), platformImage);
      resolved.put(image.getKey(), platformImage);
    }
    List<ImportedImage> imported = new ArrayList<>();
    for (Map.Entry<String, ManifestResolver.PlatformImage> image : resolved.entrySet()) {
      String chainId = unpacker.unpack(c, image.getKey(), image.getValue());
      imported.add(new ImportedImage(image.getKey(), named.get(image.getKey()), chainId));
    }
    for (ImportedImage image : imported) {
      putImage(c, image.name(), image.target());
    }
    return imported;
  }

  /**
   * Sets the GC labels by which an index keeps its manifests and a manifest its config and
   * layers, depth first, and checks every referenced blob is there.
   */
  private void labelReferences(ContentStore content, Descriptor desc, String referrer, Set<String> labelled) {
    if (!labelled.add(desc.digest())) {
      return;
    }
    if (content.info(desc.digest()).isEmpty()) {
      throw SandboxdException.invalidArgument(
          "image archive: blob %s (%s, referenced by %s) is missing", desc.digest(), desc.mediaType(), referrer);
    }
    List<Descriptor> children = resolver.children(content, desc);
    if (children.isEmpty()) {
      return;
    }
    content.updateLabels(desc.digest(), GcLabels.forChildren(children));
    for (Descriptor child : children) {
      labelReferences(content, child, desc.digest(), labelled);
    }
  }

  private static void putImage(Containerd c, String name, Descriptor target) {
    try {
      c.images().update(name, target, null);
    } catch (SandboxdException.NotFound e) {
      c.images().create(name, target, Map.of());
    }
  }

  static Optional<String> imageName(Descriptor desc) {
    String name = desc.annotations().getOrDefault(IMAGE_NAME_ANNOTATION, "");
    if (name.isEmpty()) {
      name = desc.annotations().getOrDefault(REF_NAME_ANNOTATION, "");
    }
    return name.isEmpty() ? Optional.empty() : Optional.of(name);
  }

  @Override
  public void remove(String imageName) {
    containerd.images().delete(imageName, true);
  }

  @Override
  public StoredImage resolve(String imageName) {
    ImageRecord record = containerd.images().get(imageName);
    ManifestResolver.PlatformImage image = resolver.resolve(containerd.content(), imageName, record.target());
    List<String> diffIds = image.parsedConfig().diffIds();
    String chainId = ChainIds.top(diffIds);
    boolean unpacked = chainId.isEmpty() || snapshots().stat(chainId).isPresent();
    long size = image.manifest().size() + image.config().size()
        + image.contents().layers().stream().mapToLong(Descriptor::size).sum();
    return new StoredImage(
        imageName, record.target(), image.manifest(), image.config(), image.configJson(), diffIds, chainId, unpacked, size);
  }

  @Override
  public List<Mount> prepareRootfs(String snapshotKey, String chainId, boolean readOnly, Map<String, String> labels) {
    return readOnly
        ? snapshots().view(snapshotKey, chainId, labels)
        : snapshots().prepare(snapshotKey, chainId, labels);
  }

  private Snapshots snapshots() {
    return containerd.snapshots(options.snapshotter());
  }
}
