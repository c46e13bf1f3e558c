package dev.sandboxd.containerd.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.containerd.Lease;
import dev.sandboxd.containerd.Mount;
import dev.sandboxd.containerd.SnapshotInfo;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerdImageStoreTest {
  private static final String NAME = "localhost/sandboxd/test:1";
  private static final Map<String, String> NAMED = Map.of("io.containerd.image.name", NAME);

  private final FakeContainerd containerd = new FakeContainerd();
  private final ContainerdImageStore images = new ContainerdImageStore(containerd);

  @Test
  void importWritesLabelsUnpacksAndNamesTheImage() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer layer = archive.layer("bin/hello", "hello", true);
    Descriptor config = archive.config("amd64", List.of(layer));
    Descriptor manifest = archive.manifest(config, List.of(layer));
    archive.entry(manifest, "amd64", NAMED);

    List<ImportedImage> imported = images.importArchive(new ByteArrayInputStream(archive.build()));

    String chainId = layer.diffId(); // one layer: the chain is its diff ID
    // the target is the index.json entry, annotations included, as containerd records it
    Descriptor target = new Descriptor(manifest.mediaType(), manifest.digest(), manifest.size(), NAMED);
    assertEquals(List.of(new ImportedImage(NAME, target, chainId)), imported);
    assertEquals(target, containerd.state.images.get(NAME).target());
    // the references containerd's GC follows: image -> manifest -> config + layer, config -> snapshot
    assertEquals(
        Map.of(
            "containerd.io/gc.ref.content.config", config.digest(),
            "containerd.io/gc.ref.content.l.0", layer.descriptor().digest()),
        labels(manifest));
    assertEquals(Map.of("containerd.io/gc.ref.snapshot.overlayfs", chainId), labels(config));
    assertEquals(Map.of("containerd.io/uncompressed", layer.diffId()), labels(layer.descriptor()));
    SnapshotInfo snapshot = containerd.state.snapshots.get(chainId);
    assertEquals(SnapshotInfo.Kind.COMMITTED, snapshot.kind());
    assertEquals("", snapshot.parent());
    assertEquals(chainId, snapshot.labels().get("containerd.io/snapshot.ref"));
    assertEquals(1, containerd.state.snapshots.size(), "no extraction snapshot left");
  }

  @Test
  void everythingHappensWithinOneLeaseDeletedAtTheEnd() {
    OciArchiveBuilder archive = singleImage();
    images.importArchive(new ByteArrayInputStream(archive.build()));

    assertEquals(List.of(new FakeContainerd.LeaseDeletion("lease-1", false)), containerd.state.deletedLeases);
    assertTrue(containerd.state.leases.isEmpty());
    for (String change : containerd.state.changes) {
      assertTrue(change.endsWith("@lease-1"), change);
    }
  }

  @Test
  void leaseIsLabelledAndExpires() {
    images.importArchive(new ByteArrayInputStream(singleImage().build()));
    Lease created = containerd.state.createdLeases.get(0);
    assertEquals("image-import", created.labels().get("sandboxd.lease"));
    // the fake's clock stands at 2030-01-01; the default expiry is 24 h
    assertEquals("2030-01-02T00:00:00Z", created.labels().get("containerd.io/gc.expire"));
  }

  @Test
  void twoLayersFormAChainAndReimportChangesNothing() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer l1 = archive.layer("a", "1", true);
    OciArchiveBuilder.Layer l2 = archive.layer("b", "2", false);
    Descriptor config = archive.config("amd64", List.of(l1, l2));
    Descriptor manifest = archive.manifest(config, List.of(l1, l2));
    archive.entry(manifest, null, NAMED);
    byte[] tar = archive.build();

    ImportedImage first = images.importArchive(new ByteArrayInputStream(tar)).get(0);
    List<String> chain = ChainIds.of(List.of(l1.diffId(), l2.diffId()));
    assertEquals(chain.get(1), first.chainId());
    assertEquals(chain.get(0), containerd.state.snapshots.get(chain.get(1)).parent());
    assertEquals(
        chain.get(0), containerd.state.snapshots.get(chain.get(1)).labels().get("containerd.io/snapshot/parent-chain-id"));
    int writes = containerd.state.blobWrites;

    containerd.state.changes.clear();
    ImportedImage second = images.importArchive(new ByteArrayInputStream(tar)).get(0);
    assertEquals(first, second);
    assertEquals(writes, containerd.state.blobWrites, "existing blobs are not written again");
    assertEquals(List.of("update image " + NAME + " @lease-2"), containerd.state.changes);
  }

  @Test
  void multiPlatformIndexKeepsOnlyThisPlatform() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer amdLayer = archive.layer("amd", "x86", true);
    Descriptor amdManifest = archive.manifest(archive.config("amd64", List.of(amdLayer)), List.of(amdLayer));
    OciArchiveBuilder.Layer armLayer = archive.layer("arm", "arm", true);
    Descriptor armManifest = archive.manifest(archive.config("arm64", List.of(armLayer)), List.of(armLayer));
    Map<Descriptor, String> platforms = new LinkedHashMap<>();
    platforms.put(armManifest, "arm64");
    platforms.put(amdManifest, "amd64");
    Descriptor index = archive.index(platforms);
    archive.entry(index, null, NAMED);

    ImportedImage imported = images.importArchive(new ByteArrayInputStream(archive.build())).get(0);

    assertEquals(index.digest(), imported.target().digest());
    assertEquals(amdLayer.diffId(), imported.chainId());
    assertEquals(Map.of("containerd.io/gc.ref.content.m.0", amdManifest.digest()), labels(index));
    assertEquals(Map.of(), labels(armManifest), "GC may take the other platform");
    assertFalse(containerd.state.snapshots.containsKey(armLayer.diffId()));
    StoredImage resolved = images.resolve(NAME);
    assertEquals(amdManifest, resolved.manifest());
  }

  @Test
  void refNameIsTheFallbackName() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer layer = archive.layer("a", "1", true);
    Descriptor manifest = archive.manifest(archive.config("amd64", List.of(layer)), List.of(layer));
    archive.entry(manifest, "amd64", Map.of("org.opencontainers.image.ref.name", "busybox:1.35"));
    assertEquals("busybox:1.35", images.importArchive(new ByteArrayInputStream(archive.build())).get(0).name());
  }

  @Test
  void truncatedArchiveFailsAndCreatesNothing() {
    byte[] tar = singleImage().build();
    byte[] cut = Arrays.copyOf(tar, tar.length - 1024 - 100);
    SandboxdException e =
        assertThrows(SandboxdException.class, () -> images.importArchive(new ByteArrayInputStream(cut)));
    assertInstanceOf(SandboxdException.InvalidArgument.class, e);
    assertTrue(e.getMessage().startsWith("image archive: tar: archive is truncated"), e.getMessage());
    assertTrue(containerd.state.images.isEmpty());
    // deleted synchronously: containerd's GC has taken the partial content when import returns
    assertEquals(List.of(new FakeContainerd.LeaseDeletion("lease-1", true)), containerd.state.deletedLeases);
  }

  @Test
  void blobNotMatchingItsNameIsRefused() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer layer = archive.layer("a", "1", true);
    Descriptor manifest = archive.manifest(archive.config("amd64", List.of(layer)), List.of(layer));
    archive.entry(manifest, "amd64", NAMED);
    TarBuilder tar = archive.tar();
    tar.file("blobs/sha256/" + "0".repeat(64), "not what the name says");
    SandboxdException e =
        assertThrows(SandboxdException.class, () -> images.importArchive(new ByteArrayInputStream(tar.build())));
    assertInstanceOf(SandboxdException.InvalidArgument.class, e);
    assertTrue(e.getMessage().contains("does not match its digest"), e.getMessage());
  }

  @Test
  void missingBlobIsNamed() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer layer = archive.layer("a", "1", true);
    Descriptor config = archive.config("amd64", List.of(layer));
    Descriptor manifest = archive.manifest(config, List.of(layer));
    archive.entry(manifest, "amd64", NAMED);
    Descriptor absent = new Descriptor(MediaTypes.OCI_MANIFEST, "sha256:" + "e".repeat(64), 10);
    archive.entry(absent, "amd64", Map.of("io.containerd.image.name", "other"));
    SandboxdException e =
        assertThrows(SandboxdException.class, () -> images.importArchive(new ByteArrayInputStream(archive.build())));
    assertEquals(
        "image archive: blob sha256:" + "e".repeat(64) + " (" + MediaTypes.OCI_MANIFEST
            + ", referenced by index.json manifests[1]) is missing",
        e.getMessage());
    assertTrue(containerd.state.images.isEmpty());
  }

  @Test
  void archiveNamingNoImageIsRefused() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer layer = archive.layer("a", "1", true);
    archive.entry(archive.manifest(archive.config("amd64", List.of(layer)), List.of(layer)), "amd64", Map.of());
    SandboxdException e =
        assertThrows(SandboxdException.class, () -> images.importArchive(new ByteArrayInputStream(archive.build())));
    assertTrue(e.getMessage().startsWith("image archive: index.json names no image"), e.getMessage());
  }

  @Test
  void layerUnpackingToTheWrongDiffIdFailsAndLeavesNoSnapshot() {
    containerd.state.corruptDiffId = "sha256:" + "b".repeat(64);
    SandboxdException e =
        assertThrows(
            SandboxdException.class, () -> images.importArchive(new ByteArrayInputStream(singleImage().build())));
    assertInstanceOf(SandboxdException.InvalidArgument.class, e);
    assertTrue(e.getMessage().contains("but the config's diff_id is"), e.getMessage());
    assertTrue(containerd.state.snapshots.isEmpty());
    assertTrue(containerd.state.images.isEmpty());
  }

  @Test
  void notAnOciLayout() {
    byte[] dockerSave = new TarBuilder().file("manifest.json", "[]").build();
    SandboxdException e =
        assertThrows(SandboxdException.class, () -> images.importArchive(new ByteArrayInputStream(dockerSave)));
    assertTrue(e.getMessage().startsWith("image archive: no oci-layout file"), e.getMessage());
  }

  @Test
  void resolveGivesConfigAndChainThenRootfsIsPrepared() {
    OciArchiveBuilder archive = singleImage();
    ImportedImage imported = images.importArchive(new ByteArrayInputStream(archive.build())).get(0);

    StoredImage resolved = images.resolve(NAME);
    assertEquals(imported.chainId(), resolved.chainId());
    assertTrue(resolved.unpacked());
    assertEquals(List.of(imported.chainId()), resolved.diffIds());
    assertArrayEquals(containerd.content().readBlob(resolved.config().digest(), 1 << 20), resolved.configJson());

    List<Mount> rw = images.prepareRootfs("c1-rootfs", resolved.chainId(), false, Map.of("sandboxd.pod", "p"));
    assertEquals(List.of(new Mount("bind", "/snapshots/c1-rootfs", "", List.of("rbind"))), rw);
    assertEquals(SnapshotInfo.Kind.ACTIVE, containerd.state.snapshots.get("c1-rootfs").kind());
    images.prepareRootfs("c2-rootfs", resolved.chainId(), true, Map.of());
    assertEquals(SnapshotInfo.Kind.VIEW, containerd.state.snapshots.get("c2-rootfs").kind());

    assertInstanceOf(SandboxdException.NotFound.class, assertThrows(SandboxdException.class, () -> images.resolve("nope")));
  }

  /** A few KB of gzip that unpack to 2 MiB: refused against a 1 MiB limit before anything is unpacked. */
  @Test
  void layersUnpackingPastTheLimitAreRefusedAndLeaveNothing() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer zeros = archive.layer("zeros", "\0".repeat(2 << 20), true);
    assertTrue(zeros.descriptor().size() < 64 << 10, "the layer is not a compressed bomb: " + zeros.descriptor().size());
    archive.entry(archive.manifest(archive.config("amd64", List.of(zeros)), List.of(zeros)), "amd64", NAMED);
    byte[] tar = archive.build();

    ContainerdImageStore limited = new ContainerdImageStore(containerd, ImageStoreOptions.DEFAULTS.withMaxUnpackedSize(1 << 20));
    SandboxdException e = assertThrows(SandboxdException.ResourceExhausted.class, () -> limited.importArchive(new ByteArrayInputStream(tar)));
    assertTrue(e.getMessage().contains("limit of 1048576 bytes (image-max-unpacked-size)"), e.getMessage());
    assertTrue(containerd.state.images.isEmpty());
    assertTrue(containerd.state.snapshots.isEmpty(), "nothing unpacked: " + containerd.state.snapshots.keySet());
    assertEquals(List.of(new FakeContainerd.LeaseDeletion("lease-1", true)), containerd.state.deletedLeases,
        "the import's lease is dropped synchronously, so GC removes its blobs");

    ContainerdImageStore roomy = new ContainerdImageStore(containerd, ImageStoreOptions.DEFAULTS.withMaxUnpackedSize(3 << 20));
    assertEquals(NAME, roomy.importArchive(new ByteArrayInputStream(tar)).get(0).name());
  }

  @Test
  void aRefusedNameStopsTheImportBeforeAnythingIsUnpackedOrNamed() {
    SandboxdException e = assertThrows(SandboxdException.FailedPrecondition.class,
        () -> images.importArchive(new ByteArrayInputStream(singleImage().build()), name -> {
          throw SandboxdException.failedPrecondition("%s is reserved", name);
        }));
    assertEquals(NAME + " is reserved", e.getMessage());
    assertTrue(containerd.state.images.isEmpty());
    assertTrue(containerd.state.snapshots.isEmpty());
  }

  private OciArchiveBuilder singleImage() {
    OciArchiveBuilder archive = new OciArchiveBuilder();
    OciArchiveBuilder.Layer layer = archive.layer("bin/hello", "hello", true);
    Descriptor manifest = archive.manifest(archive.config("amd64", List.of(layer)), List.of(layer));
    archive.entry(manifest, "amd64", NAMED);
    return archive;
  }

  private Map<String, String> labels(Descriptor d) {
    return containerd.state.blobs.get(d.digest()).labels();
  }
}
