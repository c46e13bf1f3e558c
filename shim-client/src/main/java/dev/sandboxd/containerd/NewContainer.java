package dev.sandboxd.containerd;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.Arrays;
import java.util.Map;

/**
 * What {@link Containers#create} records. Build with {@link #of} and the {@code with*} methods.
 *
 * @param specJson the OCI runtime spec as JSON
 * @param snapshotter snapshotter holding the rootfs snapshot, empty if the spec's root is elsewhere
 * @param snapshotKey key of the container's (active) rootfs snapshot
 * @param sandboxId containerd sandbox the container belongs to, empty for none
 */
public record NewContainer(
    String id,
    String image,
    Map<String, String> labels,
    String runtime,
    byte[] specJson,
    String snapshotter,
    String snapshotKey,
    String sandboxId) {

  public NewContainer {
    if (id == null || id.isEmpty()) {
      throw SandboxdException.invalidArgument("container.id: must not be empty");
    }
    if (specJson == null || specJson.length == 0) {
      throw SandboxdException.invalidArgument("container.spec: must not be empty (container %s)", id);
    }
    image = image == null ? "" : image;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    runtime = runtime == null || runtime.isEmpty() ? Containers.RUNC_RUNTIME : runtime;
    specJson = specJson.clone();
    snapshotter = snapshotter == null ? "" : snapshotter;
    snapshotKey = snapshotKey == null ? "" : snapshotKey;
    sandboxId = sandboxId == null ? "" : sandboxId;
  }

  /** A runc container with that spec and nothing else set. */
  public static NewContainer of(String id, byte[] specJson) {
    return new NewContainer(id, "", Map.of(), Containers.RUNC_RUNTIME, specJson, "", "", "");
  }

  @Override
  public byte[] specJson() {
    return specJson.clone();
  }

  public NewContainer withImage(String newImage) {
    return new NewContainer(id, newImage, labels, runtime, specJson, snapshotter, snapshotKey, sandboxId);
  }

  public NewContainer withLabels(Map<String, String> newLabels) {
    return new NewContainer(id, image, newLabels, runtime, specJson, snapshotter, snapshotKey, sandboxId);
  }

  public NewContainer withRuntime(String newRuntime) {
    return new NewContainer(id, image, labels, newRuntime, specJson, snapshotter, snapshotKey, sandboxId);
  }

  public NewContainer withSnapshot(String newSnapshotter, String newSnapshotKey) {
    return new NewContainer(id, image, labels, runtime, specJson, newSnapshotter, newSnapshotKey, sandboxId);
  }

  public NewContainer withSandbox(String newSandboxId) {
    return new NewContainer(id, image, labels, runtime, specJson, snapshotter, snapshotKey, newSandboxId);
  }

  // The spec is compared by content: two requests for the same container are equal.
  @Override
  public boolean equals(Object o) {
    return o instanceof NewContainer c
        && id.equals(c.id)
        && image.equals(c.image)
        && labels.equals(c.labels)
        && runtime.equals(c.runtime)
        && Arrays.equals(specJson, c.specJson)
        && snapshotter.equals(c.snapshotter)
        && snapshotKey.equals(c.snapshotKey)
        && sandboxId.equals(c.sandboxId);
  }

  @Override
  public int hashCode() {
    return 31 * id.hashCode() + Arrays.hashCode(specJson);
  }

  @Override
  public String toString() {
    return "NewContainer[id=" + id + ", image=" + image + ", labels=" + labels + ", runtime=" + runtime
        + ", spec=" + specJson.length + " bytes, snapshotter=" + snapshotter + ", snapshotKey="
        + snapshotKey + ", sandboxId=" + sandboxId + "]";
  }
}
