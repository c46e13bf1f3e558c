package dev.sandboxd.containerd;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * containerd's leases: while a lease exists, what calls made within it create (blobs, ingests,
 * snapshots) is kept from the garbage collector. Run calls within one with {@link
 * Containerd#withLease}.
 */
public interface Leases {
  /** Label after which containerd's GC deletes the lease itself (RFC 3339 time). */
  String EXPIRE_LABEL = "containerd.io/gc.expire";

  /**
   * Creates a lease that expires after {@code expiry} even if never deleted (a crash cannot pin
   * content forever).
   *
   * @param id the lease id, or null for a random one
   */
  Lease create(String id, Map<String, String> labels, Duration expiry);

  /** Deletes the lease; with {@code sync} the call returns after GC has run. */
  void delete(String id, boolean sync);

  /** Leases matching any of the filters (e.g. {@code labels."sandboxd.lease"==image-import}); all when none. */
  List<Lease> list(String... filters);

  /** The expiry label's value for a lease created at {@code now}: RFC 3339 in UTC, whole seconds. */
  static String expireLabelValue(Instant now, Duration expiry) {
    return DateTimeFormatter.ISO_INSTANT.format(now.plus(expiry).truncatedTo(ChronoUnit.SECONDS));
  }
}
