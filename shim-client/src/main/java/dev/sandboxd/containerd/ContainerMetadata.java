package dev.sandboxd.containerd;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * A container record as containerd holds it.
 *
 * @param spec the OCI runtime spec JSON it was created with
 */
public record ContainerMetadata(
    String id,
    String image,
    Map<String, String> labels,
    String runtime,
    byte[] spec,
    String snapshotter,
    String snapshotKey,
    String sandboxId,
    Instant createdAt,
    Instant updatedAt) {

  public ContainerMetadata {
    labels = Map.copyOf(labels);
    spec = spec.clone();
  }

  @Override
  public byte[] spec() {
    return spec.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContainerMetadata c
        && id.equals(c.id)
        && image.equals(c.image)
        && labels.equals(c.labels)
        && runtime.equals(c.runtime)
        && Arrays.equals(spec, c.spec)
        && snapshotter.equals(c.snapshotter)
        && snapshotKey.equals(c.snapshotKey)
        && sandboxId.equals(c.sandboxId)
        && createdAt.equals(c.createdAt)
        && updatedAt.equals(c.updatedAt);
  }

  @Override
  public int hashCode() {
    return 31 * id.hashCode() + updatedAt.hashCode();
  }

  @Override
  public String toString() {
    return "ContainerMetadata[id=" + id + ", image=" + image + ", labels=" + labels + ", runtime=" + runtime
        + ", spec=" + spec.length + " bytes, snapshotter=" + snapshotter + ", snapshotKey=" + snapshotKey
        + ", sandboxId=" + sandboxId + ", createdAt=" + createdAt + ", updatedAt=" + updatedAt + "]";
  }
}
