package dev.sandboxd.bench;

/** A result and the wall time it took, in nanoseconds. */
record Timed<T>(T value, long nanos) {}
