package dev.sandboxd.pod;

import java.util.Optional;

/** mountPath is absolute and clean; subPath is relative with no "..". */
public record VolumeMount(String name, String mountPath, boolean readOnly, Optional<String> subPath) {}
