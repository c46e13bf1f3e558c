package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Descriptor;
import java.util.Arrays;
import java.util.List;

/**
 * An image in containerd's image store, narrowed to this node's platform.
 *
 * @param target what the image record points at (a manifest or an index)
 * @param manifest the platform's manifest
 * @param configJson the image config (OCI image-spec config: Entrypoint, Cmd, Env, User, ...)
 * @param diffIds the uncompressed digests of its layers, bottom first
 * @param chainId the snapshot holding all its layers; empty for an image without layers
 * @param unpacked whether that snapshot exists in the snapshotter
 * @param size bytes of its manifest, config and layers as stored (compressed)
 */
public record StoredImage(
    String name,
    Descriptor target,
    Descriptor manifest,
    Descriptor config,
    byte[] configJson,
    List<String> diffIds,
    String chainId,
    boolean unpacked,
    long size) {

  public StoredImage {
    configJson = configJson.clone();
    diffIds = List.copyOf(diffIds);
  }

  @Override
  public byte[] configJson() {
    return configJson.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoredImage r
        && name.equals(r.name)
        && target.equals(r.target)
        && manifest.equals(r.manifest)
        && config.equals(r.config)
        && Arrays.equals(configJson, r.configJson)
        && diffIds.equals(r.diffIds)
        && chainId.equals(r.chainId)
        && unpacked == r.unpacked;
  }

  @Override
  public int hashCode() {
    return 31 * manifest.hashCode() + Boolean.hashCode(unpacked);
  }

  @Override
  public String toString() {
    return "StoredImage[name=" + name + ", manifest=" + manifest.digest() + ", config=" + config.digest()
        + ", layers=" + diffIds.size() + ", chainId=" + chainId + ", unpacked=" + unpacked + "]";
  }
}
