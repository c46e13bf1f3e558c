package dev.sandboxd.containerd;

import containerd.types.DescriptorOuterClass;
import dev.sandboxd.errdefs.SandboxdException;
import java.util.Map;

/**
 * A content-addressed blob: what an image target, a manifest's config or a layer points at.
 *
 * @param digest {@code algorithm:hex}, e.g. {@code sha256:...}
 */
public record Descriptor(String mediaType, String digest, long size, Map<String, String> annotations) {
  public Descriptor {
    mediaType = mediaType == null ? "" : mediaType;
    if (digest == null || digest.isEmpty()) {
      throw SandboxdException.invalidArgument("descriptor.digest: must not be empty");
    }
    if (size < 0) {
      throw SandboxdException.invalidArgument("descriptor.size: must not be negative, got %d", size);
    }
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public Descriptor(String mediaType, String digest, long size) {
    this(mediaType, digest, size, Map.of());
  }

  static Descriptor fromProto(DescriptorOuterClass.Descriptor d) {
    return new Descriptor(d.getMediaType(), d.getDigest(), d.getSize(), d.getAnnotationsMap());
  }

  DescriptorOuterClass.Descriptor toProto() {
    return DescriptorOuterClass.Descriptor.newBuilder()
        .setMediaType(mediaType)
        .setDigest(digest)
        .setSize(size)
        .putAllAnnotations(annotations)
        .build();
  }
}
