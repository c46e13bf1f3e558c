package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Descriptor;

/**
 * An image an import created or re-pointed.
 *
 * @param target what the image record points at (a manifest or an index)
 * @param chainId the unpacked rootfs snapshot of this node's platform
 */
public record ImportedImage(String name, Descriptor target, String chainId) {}
