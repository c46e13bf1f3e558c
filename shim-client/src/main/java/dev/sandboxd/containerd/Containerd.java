package dev.sandboxd.containerd;

import dev.sandboxd.errdefs.SandboxdException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * containerd as sandboxd sees it: its services, bound to one namespace. {@link
 * ContainerdConnection} is the real one; tests can implement this with fakes.
 */
public interface Containerd {
  /** The namespace every call runs in. */
  String namespace();

  ContainerdVersion version();

  /** True if containerd answers its health check as serving. Never throws. */
  boolean isServing();

  Containers containers();

  Tasks tasks();

  ContentStore content();

  Images images();

  /** The default snapshotter, overlayfs. */
  default Snapshots snapshots() {
    return snapshots(Snapshots.DEFAULT_SNAPSHOTTER);
  }

  Snapshots snapshots(String snapshotter);

  Diffs diffs();

  Leases leases();

  Events events();

  /** containerd's transfer service (registry pulls); clients without one refuse. */
  default Transfers transfers() {
    throw SandboxdException.failedPrecondition("this containerd client cannot pull images");
  }

  /** A view of the same connection whose calls all run within the lease {@code leaseId}. */
  Containerd withLease(String leaseId);

  /**
   * Runs {@code work} within a new lease and deletes the lease afterwards, as containerd's
   * client.WithLease does: what the work created stays only if something else references it by
   * then (an image, a container, a GC label). On failure the lease is deleted synchronously, so
   * containerd's GC has removed every partial result when this throws.
   *
   * @param expiry how long the lease outlives a crash of this process
   */
  default <T> T withTemporaryLease(Map<String, String> labels, Duration expiry, Function<Containerd, T> work) {
    Lease lease = leases().create(null, labels, expiry);
    T result;
    try {
      result = work.apply(withLease(lease.id()));
    } catch (RuntimeException | Error e) {
      try {
        leases().delete(lease.id(), true);
      } catch (SandboxdException deleteFailure) {
        e.addSuppressed(deleteFailure);
      }
      throw e;
    }
    leases().delete(lease.id(), false);
    return result;
  }
}
