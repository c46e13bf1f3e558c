package dev.sandboxd.system;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Files opened one path component at a time, never through a symlink, and mounted by handle
 * rather than by name: what a container controls (the inside of its volumes) can then not
 * redirect a mount between the check and the mount (CVE-2017-1002101 in kubelet).
 */
public interface PathHandles {

  /** Opens a directory by its path; symlinks in it are followed (sandboxd chose that path). */
  Handle openDirectory(Path dir) throws IOException;

  /**
   * Opens the entry {@code name} of an open directory without following it when it is a symlink
   * (the handle then says {@link Kind#SYMLINK}).
   *
   * @throws java.nio.file.NoSuchFileException when there is no such entry
   */
  Handle openChild(Handle dir, String name) throws IOException;

  /** Makes the directory {@code name} in an open directory with exactly this mode; an existing entry is fine. */
  void makeDirectory(Handle dir, String name, int mode) throws IOException;

  /** Bind-mounts the file or directory the handle refers to (not a path to it) onto target. */
  void bindMount(Handle source, Path target) throws IOException;

  enum Kind { DIRECTORY, FILE, SYMLINK, OTHER }

  /** An open file or directory; closing releases it. */
  interface Handle extends AutoCloseable {
    Kind kind();

    @Override
    void close();
  }
}
