package dev.sandboxd.volume;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Volume.HostPathType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;

/** hostPath type checks, as kubelet does them before it mounts. */
final class HostPaths {
  private HostPaths() {}

  static Path prepare(Path path, HostPathType type, String field) throws IOException {
    switch (type) {
      case Unset:
        // No check; like containerd's CRI, a missing source becomes a directory.
        if (!Files.exists(path)) {
          Files.createDirectories(path);
        }
        return path;
      case DirectoryOrCreate:
        if (!Files.exists(path)) {
          Files.createDirectories(path);
        }
        return requireKind(path, type, field, Files.isDirectory(path));
      case Directory:
        return requireKind(path, type, field, Files.isDirectory(path));
      case FileOrCreate:
        if (!Files.exists(path)) {
          Files.createDirectories(path.getParent());
          Files.createFile(path);
        }
        return requireKind(path, type, field, Files.isRegularFile(path));
      case File:
        return requireKind(path, type, field, Files.isRegularFile(path));
      case Socket:
      case CharDevice:
      case BlockDevice:
        return requireKind(path, type, field, isSpecial(path, type));
      default:
        throw new IllegalStateException("unhandled hostPath type " + type);
    }
  }

  private static Path requireKind(Path path, HostPathType type, String field, boolean matches) {
    if (!matches) {
      throw SandboxdException.failedPrecondition(
          "%s: %s is not a %s on this node", field, path, type.manifestName());
    }
    return path;
  }

  private static boolean isSpecial(Path path, HostPathType type) throws IOException {
    if (!Files.exists(path)) {
      return false;
    }
    BasicFileAttributes attrs = Files.readAttributes(path, PosixFileAttributes.class);
    if (!attrs.isOther()) {
      return false;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode");
    int format = mode & 0170000;
    switch (type) {
      case Socket:
        return format == 0140000;
      case CharDevice:
        return format == 0020000;
      case BlockDevice:
        return format == 0060000;
      default:
        return false;
    }
  }
}
