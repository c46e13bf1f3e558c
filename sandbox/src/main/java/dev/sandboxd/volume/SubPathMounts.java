package dev.sandboxd.volume;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.system.FileTrees;
import dev.sandboxd.system.Mounts;
import dev.sandboxd.system.PathHandles;
import dev.sandboxd.system.PathHandles.Handle;
import dev.sandboxd.system.PathHandles.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * subPath mounts made safe as kubelet makes them since CVE-2017-1002101. A volume's inside belongs
 * to the containers that mount it, and one of them may swap a directory for a symlink at any
 * moment: a checked path string handed to runc would be resolved again when runc mounts it. So
 * the subPath is opened one component at a time beneath the volume, never through a symlink, the
 * open file itself is bind-mounted onto a staging path only sandboxd can reach, and runc gets
 * that staging path. Staging mounts stay until their container is removed.
 */
final class SubPathMounts {
  private static final int MAX_UNMOUNT_ROUNDS = 16;

  private final PathHandles handles;
  private final Mounts mounts;

  SubPathMounts(PathHandles handles, Mounts mounts) {
    this.handles = handles;
    this.mounts = mounts;
  }

  /**
   * Bind-mounts {@code subPath} of the volume at {@code volumeRoot} onto {@code target} (which must
   * not exist; its parent must) and returns target. A missing subPath becomes a directory with the
   * volume's mode, as in Kubernetes. Symlinks inside the volume are followed while they stay in it;
   * one that leads out, or one swapped in while the path is opened, is refused.
   */
  Path stage(Path volumeRoot, String subPath, Path target, String field) {
    Handle source;
    try {
      Path root = volumeRoot.toRealPath();
      List<String> components = resolveInside(root, subPath, field);
      int mode = (Integer) Files.getAttribute(root, "unix:mode") & 07777;
      source = open(root, components, mode, subPath, field);
    } catch (IOException e) {
      throw SandboxdException.invalidArgument("%s: %s: %s", field, subPath, e.getMessage());
    }
    try (source) {
      if (source.kind() == Kind.DIRECTORY) {
        Files.createDirectory(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createFile(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      handles.bindMount(source, target);
      return target;
    } catch (IOException e) {
      throw SandboxdException.internal(field + ": staging " + subPath + " at " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * The subPath's components below the volume root, symlinks that stay inside resolved (kubelet
   * allows those); only the part that exists can be resolved, the rest is made later.
   */
  private static List<String> resolveInside(Path root, String subPath, String field) throws IOException {
    Path candidate = root.resolve(subPath).normalize();
    if (!candidate.startsWith(root)) {
      throw SandboxdException.invalidArgument("%s: %s leaves its volume", field, subPath);
    }
    Path existing = candidate;
    while (!existing.equals(root) && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    Path real = existing.toRealPath();
    if (!real.startsWith(root)) {
      throw SandboxdException.invalidArgument("%s: %s resolves outside its volume (to %s)", field, subPath, real);
    }
    Path resolved = real.resolve(existing.relativize(candidate));
    List<String> components = new ArrayList<>();
    for (Path name : root.relativize(resolved)) {
      if (!name.toString().isEmpty()) {
        components.add(name.toString());
      }
    }
    return components;
  }

  /** Opens root/components without following any symlink, making missing directories on the way. */
  private Handle open(Path root, List<String> components, int mode, String subPath, String field) throws IOException {
    Handle current = handles.openDirectory(root);
    try {
      for (int i = 0; i < components.size(); i++) {
        String name = components.get(i);
        Handle next;
        try {
          next = handles.openChild(current, name);
        } catch (NoSuchFileException e) {
          handles.makeDirectory(current, name, mode);
          next = handles.openChild(current, name);
        }
        current.close();
        current = next;
        String walked = String.join("/", components.subList(0, i + 1));
        if (next.kind() == Kind.SYMLINK) {
          throw SandboxdException.invalidArgument(
              "%s: %s: %s is a symbolic link (changed while it was being mounted?)", field, subPath, walked);
        }
        if (i < components.size() - 1 && next.kind() != Kind.DIRECTORY) {
          throw SandboxdException.invalidArgument("%s: %s: %s is not a directory", field, subPath, walked);
        }
      }
      if (current.kind() != Kind.DIRECTORY && current.kind() != Kind.FILE) {
        throw SandboxdException.invalidArgument("%s: %s is neither a directory nor a regular file", field, subPath);
      }
      return current;
    } catch (IOException | RuntimeException e) {
      current.close();
      throw e;
    }
  }

  /**
   * Unmounts everything mounted at or below dir, then deletes dir. Refuses to delete while a mount
   * is left: deleting through a bind mount would delete what it shows, maybe the host's files.
   */
  void unmountAndDelete(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> left = mounts.mountPointsUnder(dir);
    // Mounts may be stacked on one path: each round takes off the top ones.
    for (int round = 0; !left.isEmpty() && round < MAX_UNMOUNT_ROUNDS; round++) {
      for (Path p : left) {
        mounts.unmountIfMounted(p);
      }
      left = mounts.mountPointsUnder(dir);
    }
    if (!left.isEmpty()) {
      throw new IOException("still mounted after unmounting: " + left);
    }
    FileTrees.deleteRecursively(dir);
  }
}
