package dev.sandboxd.cgroup;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link PodCgroups} on a cgroup2 file system: /sys/fs/cgroup on a unified host,
 * /sys/fs/cgroup/unified on a hybrid one, checked to really be cgroup2.
 */
public final class Cgroup2Fs implements PodCgroups {
  private final Path root;
  private final String parent;

  public Cgroup2Fs(Path root, String parent) {
    this.root = root;
    this.parent = parent.endsWith("/") ? parent.substring(0, parent.length() - 1) : parent;
  }

  /** Finds the cgroup2 mount from a mountinfo text. */
  public static Path findMount(List<String> mountinfo) {
    Path found = null;
    for (String line : mountinfo) {
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] before = line.substring(0, dash).split(" ");
      String[] after = line.substring(dash + 3).split(" ");
      if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4) {
        Path mount = Path.of(before[4]);
        // Prefer the canonical location when both exist.
        if (found == null || mount.equals(Path.of("/sys/fs/cgroup"))) {
          found = mount;
        }
      }
    }
    if (found == null) {
      throw SandboxdException.failedPrecondition("no cgroup2 file system is mounted on this node");
    }
    return found;
  }

  public static Cgroup2Fs detect(String parent) {
    try {
      return new Cgroup2Fs(findMount(Files.readAllLines(Path.of("/proc/self/mountinfo"))), parent);
    } catch (IOException e) {
      throw SandboxdException.internal("reading /proc/self/mountinfo: " + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  @Override
  public String podPath(String podUid) {
    return parent + "/pod" + podUid;
  }

  @Override
  public void remove(String podUid) {
    Path dir = root.resolve(podPath(podUid).substring(1));
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> tree = Files.walk(dir)) {
      for (Path d : tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
        Path kill = d.resolve("cgroup.kill");
        if (Files.exists(kill) && !Files.readString(d.resolve("cgroup.procs")).isBlank()) {
          Files.writeString(kill, "1");
        }
        removeWithRetry(d);
      }
    } catch (IOException e) {
      throw SandboxdException.internal("removing cgroup " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A killed cgroup empties asynchronously; rmdir answers EBUSY until it has. */
  private static void removeWithRetry(Path dir) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        Files.deleteIfExists(dir);
        return;
      } catch (IOException e) {
        last = e;
        try {
          Thread.sleep(20);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
    throw last;
  }
}
