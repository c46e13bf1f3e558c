package dev.sandboxd.containerd.image;

import dev.sandboxd.errdefs.SandboxdException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Chain IDs name the snapshot holding layers 0..n applied in order (OCI image spec, "Layer
 * ChainID"): the first is the first diff ID; each next is sha256 of "{@code <previous chain ID>
 * <diff ID>}" (one space). Committed snapshots are named by them, so equal layer stacks share one.
 */
final class ChainIds {
  private ChainIds() {}

  static List<String> of(List<String> diffIds) {
    List<String> chain = new ArrayList<>(diffIds.size());
    for (String diffId : diffIds) {
      chain.add(chain.isEmpty() ? diffId : next(chain.get(chain.size() - 1), diffId));
    }
    return chain;
  }

  /** The chain ID of all the layers: the snapshot an unpacked image's rootfs starts from; empty for none. */
  static String top(List<String> diffIds) {
    List<String> chain = of(diffIds);
    return chain.isEmpty() ? "" : chain.get(chain.size() - 1);
  }

  private static String next(String parent, String diffId) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      byte[] hash = sha256.digest((parent + " " + diffId).getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw SandboxdException.internal("SHA-256 is not available in this JVM", e);
    }
  }
}
