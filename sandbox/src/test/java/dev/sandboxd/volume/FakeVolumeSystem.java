package dev.sandboxd.volume;

import dev.sandboxd.system.Mounts;
import dev.sandboxd.system.PathHandles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Mounts and path handles over a temporary directory: a handle is the path it was opened at, a
 * mount is a line in {@link #mounted} ("target <- source"). {@link #beforeOpen} runs before each
 * component is opened, so a test can swap a directory for a symlink exactly then.
 */
public class FakeVolumeSystem implements Mounts, PathHandles {
  /** Mount point to what is mounted there, in mount order. */
  public final Map<Path, String> mounted = new LinkedHashMap<>();
  public final List<Path> openHandles = new ArrayList<>();
  public Consumer<Path> beforeOpen = p -> {};

  @Override
  public void mountTmpfs(Path target, Optional<Long> sizeBytes) {
    mounted.put(target, "tmpfs " + sizeBytes.orElse(-1L));
  }

  @Override
  public void mountShm(Path target, long sizeBytes) {
    mounted.put(target, "shm " + sizeBytes);
  }

  @Override
  public void unmountIfMounted(Path target) {
    mounted.remove(target);
  }

  @Override
  public boolean isMountPoint(Path path) {
    return mounted.containsKey(path);
  }

  @Override
  public List<Path> mountPointsUnder(Path dir) {
    List<Path> under = new ArrayList<>();
    mounted.keySet().stream().filter(p -> p.startsWith(dir)).forEach(p -> under.add(0, p));
    return under;
  }

  @Override
  public Handle openDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString());
    }
    return handle(dir, Kind.DIRECTORY);
  }

  @Override
  public Handle openChild(Handle dir, String name) throws IOException {
    Path p = ((FakeHandle) dir).path.resolve(name);
    beforeOpen.accept(p);
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchFileException(p.toString());
    }
    BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    Kind kind = attrs.isSymbolicLink() ? Kind.SYMLINK : attrs.isDirectory() ? Kind.DIRECTORY
        : attrs.isRegularFile() ? Kind.FILE : Kind.OTHER;
    return handle(p, kind);
  }

  @Override
  public void makeDirectory(Handle dir, String name, int mode) throws IOException {
    Path p = ((FakeHandle) dir).path.resolve(name);
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(p);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(rwx(mode)));
    }
  }

  @Override
  public void bindMount(Handle source, Path target) throws IOException {
    if (!Files.exists(target)) {
      throw new NoSuchFileException(target.toString());
    }
    mounted.put(target, ((FakeHandle) source).path.toString());
  }

  private Handle handle(Path p, Kind kind) {
    openHandles.add(p);
    return new FakeHandle(p, kind);
  }

  private static String rwx(int mode) {
    StringBuilder s = new StringBuilder();
    for (int shift = 6; shift >= 0; shift -= 3) {
      int bits = mode >> shift;
      s.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
    }
    return s.toString();
  }

  private final class FakeHandle implements Handle {
    final Path path;
    final Kind kind;

    FakeHandle(Path path, Kind kind) {
      this.path = path;
      this.kind = kind;
    }

    @Override
    public Kind kind() {
      return kind;
    }

    @Override
    public void close() {
      openHandles.remove(path);
    }
  }
}
