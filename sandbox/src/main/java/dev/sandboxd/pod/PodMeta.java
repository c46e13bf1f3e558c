package dev.sandboxd.pod;

import java.util.Map;

/** metadata: name and namespace are DNS-1123 labels; uid is generated when the manifest has none. */
public record PodMeta(
    String name, String namespace, String uid, Map<String, String> labels, Map<String, String> annotations) {

  public PodMeta {
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
  }
}
