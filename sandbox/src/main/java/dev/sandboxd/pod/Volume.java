package dev.sandboxd.pod;

import java.util.Optional;

/** spec.volumes[]: a name and exactly one source. */
public record Volume(String name, Source source) {

  public sealed interface Source permits HostPath, EmptyDir {}

  /** hostPath: an absolute host path; type as in Kubernetes ("" means no check). */
  public record HostPath(String path, HostPathType type) implements Source {}

  /** emptyDir: a per-pod directory, on disk or (medium: Memory) on tmpfs, optionally size-limited. */
  public record EmptyDir(boolean memoryMedium, Optional<Long> sizeLimitBytes) implements Source {}

  /** hostPath.type, spelled as in Kubernetes. */
  public enum HostPathType {
    Unset(""),
    DirectoryOrCreate("DirectoryOrCreate"),
    Directory("Directory"),
    FileOrCreate("FileOrCreate"),
    File("File"),
    Socket("Socket"),
    CharDevice("CharDevice"),
    BlockDevice("BlockDevice");

    private final String manifestName;

    HostPathType(String manifestName) {
      this.manifestName = manifestName;
    }

    public String manifestName() {
      return manifestName;
    }
  }
}
