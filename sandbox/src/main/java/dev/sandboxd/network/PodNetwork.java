package dev.sandboxd.network;

import java.util.Optional;
import java.util.Set;

/**
 * A pod's network, in containerd's order: the caller creates and pins the namespace, records its
 * path, attaches (CNI ADD), starts pause in it; on the way out it stops pause, then detaches (CNI
 * DEL, unmount, remove). Calls for one sandbox never run at once (the pod's worker serialises
 * them); {@link #collectGarbage} runs alone, at start-up.
 */
public interface PodNetwork {

  /**
   * Creates and pins the pod's network namespace, named after the sandbox; empty when this network
   * makes none (pause then gets a new one of runc's, loopback only).
   */
  Optional<String> createNamespace(String sandboxId);

  /**
   * Gives the namespace its interfaces and addresses. A failed attach has already undone itself
   * (DEL of what it added); the namespace stays the caller's to {@link #detach}.
   */
  NetworkStatus attach(Attachment attachment);

  /** Frees the attachment's addresses and rules, then unmounts and removes its namespace. Idempotent. */
  void detach(Attachment attachment);

  /**
   * After a crash: detaches every attachment and removes every pinned namespace whose sandbox is
   * not in live, then tells the plugins which attachments are valid.
   */
  void collectGarbage(Set<String> liveSandboxIds);

  /** No pod network (--network none): pause makes a namespace of its own, loopback only. */
  PodNetwork NONE = new PodNetwork() {
    @Override
    public Optional<String> createNamespace(String sandboxId) {
      return Optional.empty();
    }

    @Override
    public NetworkStatus attach(Attachment attachment) {
      return NetworkStatus.NONE;
    }

    @Override
    public void detach(Attachment attachment) {}

    @Override
    public void collectGarbage(Set<String> liveSandboxIds) {}
  };
}
