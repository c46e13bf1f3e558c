package dev.sandboxd.containerd;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** protobuf Timestamp to Instant; containerd sends Go's zero time (year 1) or nothing for "never". */
final class ProtoTimestamps {
  private ProtoTimestamps() {}

  static Instant toInstant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  /** Empty for an unset timestamp or Go's zero time, both of which mean "has not happened". */
  static Optional<Instant> toOptionalInstant(boolean isSet, Timestamp t) {
    if (!isSet || t.getSeconds() <= 0) {
      return Optional.empty();
    }
    return Optional.of(toInstant(t));
  }
}
