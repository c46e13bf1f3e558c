package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Descriptor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The labels through which containerd's garbage collector follows references: a blob keeps the
 * blobs and snapshots its labels name alive. Mirrors images.ChildGCLabels and
 * SetChildrenMappedLabels (key numbering included), so an image imported by sandboxd looks to
 * containerd like one imported by ctr.
 */
final class GcLabels {
  static final String UNCOMPRESSED = "containerd.io/uncompressed";
  static final String CONTENT_PREFIX = "containerd.io/gc.ref.content.";
  static final String SNAPSHOT_PREFIX = "containerd.io/gc.ref.snapshot.";
  static final String MANIFEST_SUBJECT = "io.containerd.manifest.subject";

  // Set on the extraction snapshot, as containerd's unpacker does.
  static final String SNAPSHOT_REF = "containerd.io/snapshot.ref";
  static final String SNAPSHOT_DIFF_ID = "containerd.io/snapshot/diff-id";
  static final String SNAPSHOT_PARENT = "containerd.io/snapshot/parent-chain-id";
  private static final String INHERITED_PREFIX = "containerd.io/snapshot/";

  private GcLabels() {}

  /** Labels for a blob (index or manifest) whose children are {@code children}, in order. */
  static Map<String, String> forChildren(List<Descriptor> children) {
    Map<String, String> labels = new LinkedHashMap<>();
    Map<String, Integer> used = new HashMap<>();
    for (Descriptor child : children) {
      String key = keyFor(child);
      int index = used.merge(key, 1, Integer::sum) - 1;
      if (key.endsWith(".sha256.")) {
        key = key + hex(child.digest()).substring(0, 12);
      } else if (index > 0 || key.endsWith(".")) {
        key = key + index;
      }
      labels.put(key, child.digest());
    }
    return labels;
  }

  /** The label on an image config that keeps its unpacked snapshot chain alive. */
  static Map<String, String> forUnpackedConfig(String snapshotter, String topChainId) {
    return Map.of(SNAPSHOT_PREFIX + snapshotter, topChainId);
  }

  /** Labels of the snapshot a layer is extracted into (and committed with). */
  static Map<String, String> forExtraction(Descriptor layer, String chainId, String diffId, String parentChainId) {
    Map<String, String> labels = new LinkedHashMap<>();
    layer.annotations().forEach(
        (k, v) -> {
          if (k.equals(SNAPSHOT_REF) || k.startsWith(INHERITED_PREFIX)) {
            labels.put(k, v);
          }
        });
    labels.put(SNAPSHOT_REF, chainId);
    labels.put(SNAPSHOT_DIFF_ID, diffId);
    if (!parentChainId.isEmpty()) {
      labels.put(SNAPSHOT_PARENT, parentChainId);
    }
    return labels;
  }

  private static String keyFor(Descriptor child) {
    if (child.annotations().containsKey(MANIFEST_SUBJECT)) {
      return CONTENT_PREFIX + "referrer.sha256.";
    }
    String mt = child.mediaType();
    if (MediaTypes.isConfig(mt)) {
      return CONTENT_PREFIX + "config";
    }
    if (MediaTypes.isManifest(mt)) {
      return CONTENT_PREFIX + "m.";
    }
    if (MediaTypes.isLayer(mt)) {
      return CONTENT_PREFIX + "l.";
    }
    return CONTENT_PREFIX;
  }

  private static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }
}
