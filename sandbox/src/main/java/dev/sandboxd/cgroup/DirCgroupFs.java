package dev.sandboxd.cgroup;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** {@link CgroupFs} on a directory: the cgroup2 mount, or a fake tree in tests. */
public final class DirCgroupFs implements CgroupFs {
  private static final int REMOVE_ATTEMPTS = 100;

  private final Path root;

  public DirCgroupFs(Path root) {
    this.root = root;
  }

  private Path dir(String cgroup) {
    String relative = cgroup.startsWith("/") ? cgroup.substring(1) : cgroup;
    return relative.isEmpty() ? root : root.resolve(relative);
  }

  @Override
  public boolean exists(String cgroup) {
    return Files.isDirectory(dir(cgroup));
  }

  @Override
  public Optional<String> read(String cgroup, String file) {
    try {
      return Optional.of(Files.readString(dir(cgroup).resolve(file)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      // A cgroup removed while its file is read (a pod going away during a listing) makes the
      // kernel answer ENODEV, not ENOENT: that file is as missing as one never there.
      if (!exists(cgroup)) {
        return Optional.empty();
      }
      throw SandboxdException.internal("reading " + dir(cgroup).resolve(file) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void write(String cgroup, String file, String value) {
    Path path = dir(cgroup).resolve(file);
    try {
      Files.writeString(path, value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (NoSuchFileException e) {
      throw SandboxdException.failedPrecondition("cannot write %s: the file does not exist (is its controller enabled?)", path);
    } catch (IOException e) {
      throw SandboxdException.internal("writing \"" + value + "\" to " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void create(String cgroup) {
    try {
      Files.createDirectories(dir(cgroup));
    } catch (IOException e) {
      throw SandboxdException.internal("creating cgroup " + dir(cgroup) + ": " + e.getMessage(), e);
    }
  }

  /** A killed cgroup empties asynchronously; rmdir answers EBUSY until it has. */
  @Override
  public void remove(String cgroup) {
    Path dir = dir(cgroup);
    IOException last = null;
    for (int attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
      try {
        Files.deleteIfExists(dir);
        return;
      } catch (IOException e) {
        last = e;
        try {
          Thread.sleep(20);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw SandboxdException.internal("removing cgroup " + dir + ": " + last.getMessage(), last);
  }

  @Override
  public List<String> children(String cgroup) {
    List<String> out = new ArrayList<>();
    String prefix = cgroup.endsWith("/") ? cgroup : cgroup + "/";
    try (Stream<Path> entries = Files.list(dir(cgroup))) {
      entries.filter(Files::isDirectory).forEach(p -> out.add(prefix + p.getFileName()));
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw SandboxdException.internal("listing cgroup " + dir(cgroup) + ": " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public String describe(String cgroup) {
    return dir(cgroup).toString();
  }
}
