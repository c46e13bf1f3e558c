package dev.sandboxd.containerd;

/** What containerd reports about itself, e.g. {@code 2.1.9}. */
public record ContainerdVersion(String version, String revision) {}
