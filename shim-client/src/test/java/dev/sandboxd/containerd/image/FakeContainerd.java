package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.ContainerdVersion;
import dev.sandboxd.containerd.Containers;
import dev.sandboxd.containerd.ContentInfo;
import dev.sandboxd.containerd.ContentStore;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.containerd.Diffs;
import dev.sandboxd.containerd.Events;
import dev.sandboxd.containerd.ImageRecord;
import dev.sandboxd.containerd.Images;
import dev.sandboxd.containerd.Lease;
import dev.sandboxd.containerd.Leases;
import dev.sandboxd.containerd.Mount;
import dev.sandboxd.containerd.SnapshotInfo;
import dev.sandboxd.containerd.Snapshots;
import dev.sandboxd.containerd.Tasks;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * containerd's content, image, snapshot, diff and lease services in memory, with the checks the
 * real ones make (digest on commit, parents of snapshots, unique names). It records under which
 * lease each change was made; it has no garbage collector.
 */
final class FakeContainerd implements Containerd {
  record Blob(byte[] data, Map<String, String> labels) {}

  record LeaseDeletion(String id, boolean sync) {}

  /** Shared by every lease view. */
  static final class State {
    final Map<String, Blob> blobs = new LinkedHashMap<>();
    final Map<String, ImageRecord> images = new LinkedHashMap<>();
    final Map<String, SnapshotInfo> snapshots = new LinkedHashMap<>();
    final Map<String, Lease> leases = new LinkedHashMap<>();
    final List<Lease> createdLeases = new ArrayList<>();
    final List<LeaseDeletion> deletedLeases = new ArrayList<>();
    /** "write <digest>", "prepare <key>", ... each with the lease it ran in (or "none"). */
    final List<String> changes = new ArrayList<>();
    int blobWrites;
    /** When set, the diff service reports this digest instead of the real one. */
    String corruptDiffId;
  }

  final State state;
  private final String lease;

  FakeContainerd() {
    this(new State(), null);
  }

  private FakeContainerd(State state, String lease) {
    this.state = state;
    this.lease = lease;
  }

  private void change(String what) {
    state.changes.add(what + " @" + (lease == null ? "none" : lease));
  }

  @Override
  public String namespace() {
    return "test";
  }

  @Override
  public ContainerdVersion version() {
    return new ContainerdVersion("fake", "");
  }

  @Override
  public boolean isServing() {
    return true;
  }

  @Override
  public Containers containers() {
    throw new UnsupportedOperationException();
  }

  @Override
  public Tasks tasks() {
    throw new UnsupportedOperationException();
  }

  @Override
  public Events events() {
    throw new UnsupportedOperationException();
  }

  @Override
  public Containerd withLease(String leaseId) {
    return new FakeContainerd(state, leaseId);
  }

  @Override
  public ContentStore content() {
    return new ContentStore() {
      @Override
      public Optional<ContentInfo> info(String digest) {
        Blob b = state.blobs.get(digest);
        return b == null
            ? Optional.empty()
            : Optional.of(new ContentInfo(digest, b.data().length, b.labels(), Instant.EPOCH, Instant.EPOCH));
      }

      @Override
      public List<ContentInfo> list(String... filters) {
        return state.blobs.keySet().stream().map(d -> info(d).orElseThrow()).toList();
      }

      @Override
      public ContentInfo updateLabels(String digest, Map<String, String> labels) {
        Blob b = state.blobs.get(digest);
        if (b == null) {
          throw SandboxdException.notFound("content digest %s: not found", digest);
        }
        Map<String, String> merged = new HashMap<>(b.labels());
        labels.forEach((k, v) -> {
          if (v.isEmpty()) {
            merged.remove(k);
          } else {
            merged.put(k, v);
          }
        });
        state.blobs.put(digest, new Blob(b.data(), Map.copyOf(merged)));
        return info(digest).orElseThrow();
      }

      @Override
      public boolean writeBlob(String ref, InputStream data, Descriptor expected, Map<String, String> labels)
          throws IOException {
        if (state.blobs.containsKey(expected.digest())) {
          return false;
        }
        byte[] bytes = data.readNBytes((int) expected.size());
        if (bytes.length < expected.size()) {
          throw new EOFException("short blob " + expected.digest());
        }
        if (!sha256(bytes).equals(expected.digest())) {
          throw SandboxdException.failedPrecondition("unexpected commit digest %s, expected %s", sha256(bytes), expected.digest());
        }
        state.blobs.put(expected.digest(), new Blob(bytes, Map.copyOf(labels)));
        state.blobWrites++;
        change("write " + expected.digest());
        return true;
      }

      @Override
      public InputStream openBlob(String digest) {
        Blob b = state.blobs.get(digest);
        if (b == null) {
          throw SandboxdException.notFound("content digest %s: not found", digest);
        }
        return new java.io.ByteArrayInputStream(b.data());
      }

      @Override
      public byte[] readBlob(String digest, long maxSize) {
        Blob b = state.blobs.get(digest);
        if (b == null) {
          throw SandboxdException.notFound("content digest %s: not found", digest);
        }
        if (b.data().length > maxSize) {
          throw SandboxdException.resourceExhausted("too large");
        }
        return b.data().clone();
      }

      @Override
      public void delete(String digest) {
        state.blobs.remove(digest);
      }

      @Override
      public List<String> ingests() {
        return List.of();
      }

      @Override
      public void abort(String ref) {}
    };
  }

  @Override
  public Images images() {
    return new Images() {
      @Override
      public ImageRecord create(String name, Descriptor target, Map<String, String> labels) {
        if (state.images.containsKey(name)) {
          throw SandboxdException.alreadyExists("image %s: already exists", name);
        }
        ImageRecord r = new ImageRecord(name, labels, target, Instant.EPOCH, Instant.EPOCH);
        state.images.put(name, r);
        change("create image " + name);
        return r;
      }

      @Override
      public ImageRecord update(String name, Descriptor target, Map<String, String> labels) {
        ImageRecord old = state.images.get(name);
        if (old == null) {
          throw SandboxdException.notFound("image %s: not found", name);
        }
        ImageRecord r = new ImageRecord(name, labels == null ? old.labels() : labels, target, old.createdAt(), Instant.EPOCH);
        state.images.put(name, r);
        change("update image " + name);
        return r;
      }

      @Override
      public ImageRecord get(String name) {
        ImageRecord r = state.images.get(name);
        if (r == null) {
          throw SandboxdException.notFound("image %s: not found", name);
        }
        return r;
      }

      @Override
      public List<ImageRecord> list(String... filters) {
        return List.copyOf(state.images.values());
      }

      @Override
      public void delete(String name, boolean sync) {
        state.images.remove(name);
      }
    };
  }

  @Override
  public Snapshots snapshots(String snapshotter) {
    return new Snapshots() {
      @Override
      public String snapshotter() {
        return snapshotter;
      }

      @Override
      public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        return create(key, parent, labels, SnapshotInfo.Kind.ACTIVE);
      }

      @Override
      public List<Mount> view(String key, String parent, Map<String, String> labels) {
        return create(key, parent, labels, SnapshotInfo.Kind.VIEW);
      }

      private List<Mount> create(String key, String parent, Map<String, String> labels, SnapshotInfo.Kind kind) {
        if (state.snapshots.containsKey(key)) {
          throw SandboxdException.alreadyExists("snapshot %s: already exists", key);
        }
        if (!parent.isEmpty()
            && (!state.snapshots.containsKey(parent)
                || state.snapshots.get(parent).kind() != SnapshotInfo.Kind.COMMITTED)) {
          throw SandboxdException.notFound("parent snapshot %s does not exist", parent);
        }
        state.snapshots.put(key, new SnapshotInfo(key, parent, kind, labels, Instant.EPOCH, Instant.EPOCH));
        change(kind.name().toLowerCase() + " " + key);
        return mounts(key);
      }

      @Override
      public List<Mount> mounts(String key) {
        return List.of(new Mount("bind", "/snapshots/" + key, "", List.of("rbind")));
      }

      @Override
      public void commit(String name, String key, Map<String, String> labels) {
        SnapshotInfo active = state.snapshots.get(key);
        if (active == null || active.kind() != SnapshotInfo.Kind.ACTIVE) {
          throw SandboxdException.notFound("active snapshot %s does not exist", key);
        }
        if (state.snapshots.containsKey(name)) {
          throw SandboxdException.alreadyExists("snapshot %s: already exists", name);
        }
        state.snapshots.remove(key);
        state.snapshots.put(
            name, new SnapshotInfo(name, active.parent(), SnapshotInfo.Kind.COMMITTED, labels, Instant.EPOCH, Instant.EPOCH));
        change("commit " + name);
      }

      @Override
      public void remove(String key) {
        if (state.snapshots.remove(key) == null) {
          throw SandboxdException.notFound("snapshot %s does not exist", key);
        }
        change("remove " + key);
      }

      @Override
      public Optional<SnapshotInfo> stat(String key) {
        return Optional.ofNullable(state.snapshots.get(key));
      }

      @Override
      public List<SnapshotInfo> list(String... filters) {
        return List.copyOf(state.snapshots.values());
      }
    };
  }

  @Override
  public Diffs diffs() {
    return (layer, mounts) -> {
      Blob b = state.blobs.get(layer.digest());
      if (b == null) {
        throw SandboxdException.notFound("content digest %s: not found", layer.digest());
      }
      byte[] tar = b.data();
      if (layer.mediaType().endsWith("gzip")) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(tar))) {
          tar = in.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      String digest = state.corruptDiffId != null ? state.corruptDiffId : sha256(tar);
      change("apply " + layer.digest() + " onto " + mounts.get(0).source());
      return new Descriptor("application/vnd.oci.image.layer.v1.tar", digest, tar.length);
    };
  }

  @Override
  public Leases leases() {
    return new Leases() {
      @Override
      public Lease create(String id, Map<String, String> labels, Duration expiry) {
        String leaseId = id != null ? id : "lease-" + (state.createdLeases.size() + 1);
        Map<String, String> all = new HashMap<>(labels);
        all.put(EXPIRE_LABEL, Leases.expireLabelValue(Instant.parse("2030-01-01T00:00:00Z"), expiry));
        Lease l = new Lease(leaseId, Instant.EPOCH, all);
        state.leases.put(leaseId, l);
        state.createdLeases.add(l);
        return l;
      }

      @Override
      public void delete(String id, boolean sync) {
        state.leases.remove(id);
        state.deletedLeases.add(new LeaseDeletion(id, sync));
      }

      @Override
      public List<Lease> list(String... filters) {
        return List.copyOf(state.leases.values());
      }
    };
  }

  static String sha256(byte[] data) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
