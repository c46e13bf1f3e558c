package dev.sandboxd.cgroup;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A cgroup2 tree in a plain directory that acts like the kernel where sandboxd relies on it: a
 * new cgroup gets the core files and those of the controllers its parent passes on
 * (cgroup.subtree_control), enabling a controller the cgroup does not have fails, freezing is
 * reported in cgroup.events, and cgroup.kill empties cgroup.procs. Every write is logged.
 */
public final class FakeCgroupFs implements CgroupFs {
  private static final Map<String, Map<String, String>> CONTROLLER_FILES = Map.of(
      "cpu", Map.of("cpu.weight", "100\n", "cpu.max", "max 100000\n"),
      "memory", Map.of("memory.max", "max\n", "memory.current", "0\n", "memory.peak", "0\n",
          "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"),
      "pids", Map.of("pids.max", "max\n", "pids.current", "0\n"),
      "hugetlb", Map.of("hugetlb.2MB.max", "max\n"));

  private final Path root;
  private final DirCgroupFs dir;
  /** "cgroup file=value", in order. */
  public final List<String> writes = new ArrayList<>();

  /** A root cgroup offering these controllers (all already passed on to children, as on the test machines). */
  public FakeCgroupFs(Path root, String... controllers) {
    this.root = root;
    this.dir = new DirCgroupFs(root);
    String list = String.join(" ", controllers);
    populate("/", list);
    set("/", "cgroup.subtree_control", list);
  }

  private void populate(String cgroup, String controllers) {
    set(cgroup, "cgroup.controllers", controllers);
    set(cgroup, "cgroup.subtree_control", "");
    set(cgroup, "cgroup.procs", "");
    set(cgroup, "cgroup.freeze", "0");
    set(cgroup, "cgroup.events", "populated 0\nfrozen 0\n");
    set(cgroup, "cgroup.kill", "");
    set(cgroup, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
    for (String controller : words(controllers)) {
      CONTROLLER_FILES.getOrDefault(controller, Map.of()).forEach((file, value) -> set(cgroup, file, value));
    }
  }

  /** Sets a file as the kernel would (counters, processes), without logging a write. */
  public void set(String cgroup, String file, String value) {
    try {
      Path path = path(cgroup).resolve(file);
      Files.createDirectories(path.getParent());
      Files.writeString(path, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file's content, trimmed; fails when it does not exist. */
  public String get(String cgroup, String file) {
    return read(cgroup, file).orElseThrow(() -> new AssertionError(cgroup + "/" + file + " does not exist")).trim();
  }

  private Path path(String cgroup) {
    String relative = cgroup.startsWith("/") ? cgroup.substring(1) : cgroup;
    return relative.isEmpty() ? root : root.resolve(relative);
  }

  @Override
  public boolean exists(String cgroup) {
    return dir.exists(cgroup);
  }

  @Override
  public Optional<String> read(String cgroup, String file) {
    return dir.read(cgroup, file);
  }

  @Override
  public void write(String cgroup, String file, String value) {
    if (read(cgroup, file).isEmpty()) {
      dir.write(cgroup, file, value); // fails as cgroupfs does
    }
    writes.add(cgroup + " " + file + "=" + value);
    switch (file) {
      case "cgroup.subtree_control": {
        Set<String> enabled = new LinkedHashSet<>(words(get(cgroup, file)));
        Set<String> available = words(get(cgroup, "cgroup.controllers"));
        for (String change : words(value)) {
          String controller = change.substring(1);
          if (!available.contains(controller)) {
            throw SandboxdException.internal("writing " + change + " to " + cgroup + "/cgroup.subtree_control: No such file or directory", null);
          }
          if (change.startsWith("+")) {
            enabled.add(controller);
          } else {
            enabled.remove(controller);
          }
        }
        set(cgroup, file, String.join(" ", enabled));
        break;
      }
      case "cgroup.freeze":
        set(cgroup, file, value);
        set(cgroup, "cgroup.events", "populated 0\nfrozen " + value + "\n");
        break;
      case "cgroup.kill":
        set(cgroup, "cgroup.procs", "");
        break;
      default:
        set(cgroup, file, value);
    }
  }

  @Override
  public void create(String cgroup) {
    List<String> missing = new ArrayList<>();
    for (String c = cgroup; !exists(c); c = parent(c)) {
      missing.add(0, c);
    }
    for (String c : missing) {
      populate(c, get(parent(c), "cgroup.subtree_control"));
    }
  }

  private static String parent(String cgroup) {
    int slash = cgroup.lastIndexOf('/');
    return slash <= 0 ? "/" : cgroup.substring(0, slash);
  }

  /** rmdir of a cgroup removes its interface files with it; child cgroups or processes make it fail. */
  @Override
  public void remove(String cgroup) {
    if (!exists(cgroup)) {
      return;
    }
    if (!children(cgroup).isEmpty() || !get(cgroup, "cgroup.procs").isEmpty()) {
      throw SandboxdException.internal("removing cgroup " + cgroup + ": Device or resource busy", null);
    }
    try (Stream<Path> files = Files.list(path(cgroup))) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
      Files.delete(path(cgroup));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<String> children(String cgroup) {
    return dir.children(cgroup);
  }

  @Override
  public String describe(String cgroup) {
    return "/sys/fs/cgroup" + (cgroup.equals("/") ? "" : cgroup);
  }

  /** The files written into one cgroup (last value each), in the order first written. */
  public Map<String, String> written(String cgroup) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String w : writes) {
      if (w.startsWith(cgroup + " ")) {
        String rest = w.substring(cgroup.length() + 1);
        int eq = rest.indexOf('=');
        out.put(rest.substring(0, eq), rest.substring(eq + 1));
      }
    }
    return out;
  }

  private static Set<String> words(String text) {
    Set<String> out = new LinkedHashSet<>(Arrays.asList(text.trim().split("\\s+")));
    out.remove("");
    return out;
  }
}
