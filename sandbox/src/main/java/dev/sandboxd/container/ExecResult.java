package dev.sandboxd.container;

/** The outcome of a non-interactive exec: everything the command wrote, and how it ended. */
public record ExecResult(byte[] stdout, byte[] stderr, int exitCode) {}
