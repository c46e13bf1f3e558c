package dev.sandboxd.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cgroup2FsTest {
  static final String V1 = "30 25 0:26 / /sys/fs/cgroup/memory rw,relatime shared:10 - cgroup cgroup rw,memory";

  @Test
  void findsTheUnifiedMountOnAHybridHost() {
    List<String> hybrid = List.of(
        "25 24 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755", V1,
        "31 25 0:27 / /sys/fs/cgroup/unified rw,relatime shared:11 - cgroup2 cgroup2 rw");
    assertEquals(Path.of("/sys/fs/cgroup/unified"), Cgroup2Fs.findMount(hybrid));
  }

  @Test
  void prefersSysFsCgroupWhenCgroup2IsMountedThere() {
    List<String> node = List.of(
        "31 25 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
        "90 60 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw");
    assertEquals(Path.of("/sys/fs/cgroup"), Cgroup2Fs.findMount(node));
  }

  @Test
  void aHostWithoutCgroup2IsRefused() {
    assertThrows(SandboxdException.FailedPrecondition.class, () -> Cgroup2Fs.findMount(List.of(V1)));
  }

  @Test
  void podPathsAndRemovalOfTheWholeTree(@TempDir Path root) throws Exception {
    Cgroup2Fs cgroups = new Cgroup2Fs(root, "/sandboxd/");
    assertEquals("/sandboxd/podu1", cgroups.podPath("u1"));
    assertEquals("/sandboxd/podu1/c1", cgroups.taskPath("u1", "c1"));
    Files.createDirectories(root.resolve("sandboxd/podu1/c1"));
    Files.createDirectories(root.resolve("sandboxd/podu2"));
    cgroups.remove("u1");
    assertFalse(Files.exists(root.resolve("sandboxd/podu1")));
    assertTrue(Files.exists(root.resolve("sandboxd/podu2")));
    cgroups.remove("u1");
  }
}
