package dev.sandboxd.containerlog;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What of a container's log to print, as kubectl logs' flags: follow, the run before the current
 * one (previous), the last tailLines lines, only lines since a time, each line with its time.
 */
public record LogOptions(boolean follow, boolean previous, OptionalInt tailLines, Optional<Instant> since, boolean timestamps) {
  /**
   * The lines a tail holds while it reads up to the end: a bound on the memory one call may take
   * (the logger cuts lines at 16 KiB); checked where requests come in.
   */
  public static final int MAX_TAIL_LINES = 100_000;

  /** The whole log of the current run, as it was written. */
  public static LogOptions all(boolean follow) {
    return new LogOptions(follow, false, OptionalInt.empty(), Optional.empty(), false);
  }
}
