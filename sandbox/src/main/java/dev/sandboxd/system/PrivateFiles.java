package dev.sandboxd.system;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files only sandboxd's user may read: pod records hold whole manifests (env values, secrets),
 * logs and exec output what containers print. Modes are given at creation (umask can only take
 * bits away from 0700/0600), so there is no moment in which another user could open them.
 */
public final class PrivateFiles {
  public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /**
   * Creates dir and every missing directory above it with mode 0700 (Files.createDirectories
   * would make them 0755). Directories that exist are left as they are.
   */
  public static Path directories(Path dir) throws IOException {
    Deque<Path> missing = new ArrayDeque<>();
    for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
      missing.push(p);
    }
    FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(DIRECTORY);
    for (Path p : missing) {
      try {
        Files.createDirectory(p, mode);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(p)) {
          throw e;
        }
      }
    }
    return dir;
  }

  /** directories(dir), then dir itself set to mode (e.g. 0700 for a root that existed as 0755). */
  public static Path directory(Path dir, Set<PosixFilePermission> mode) throws IOException {
    directories(dir);
    Files.setPosixFilePermissions(dir, mode);
    return dir;
  }

  /** Writes bytes to a new or truncated file; a new file is made 0600. */
  public static void write(Path file, byte[] bytes) throws IOException {
    try (SeekableByteChannel out = Files.newByteChannel(file,
        EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING),
        PosixFilePermissions.asFileAttribute(FILE))) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    }
  }

  /**
   * Replaces target with bytes through a temporary ".NAME.tmp" beside it (0600) and a rename, so
   * that a crash leaves the old content or the new, never a torn file; a crash before the rename
   * leaves the temporary, for {@link #removeInterruptedReplaces}.
   */
  public static void replace(Path target, byte[] bytes) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
    write(temp, bytes);
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Deletes the ".NAME.tmp" files in dir: the temporaries of {@link #replace} calls a crash cut
   * short before the rename. Called at start-up, when no write of this process is under way.
   */
  public static void removeInterruptedReplaces(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, ".*.tmp")) {
      for (Path temp : temps) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /** Makes an empty 0600 file unless one exists: for files others open and write later (the shim's logs). */
  public static void createIfMissing(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
    } catch (FileAlreadyExistsException e) {
      // kept: a restarted container's log continues
    }
  }

  /**
   * Lets every user search (not list) dir: the socket's group must reach the socket through its
   * directory, which by default is the state directory, private otherwise.
   */
  public static void allowSearch(Path dir) throws IOException {
    Set<PosixFilePermission> mode = EnumSet.copyOf(Files.getPosixFilePermissions(dir));
    mode.add(PosixFilePermission.GROUP_EXECUTE);
    mode.add(PosixFilePermission.OTHERS_EXECUTE);
    Files.setPosixFilePermissions(dir, mode);
  }
}
