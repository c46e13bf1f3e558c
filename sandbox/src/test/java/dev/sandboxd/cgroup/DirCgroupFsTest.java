package dev.sandboxd.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads of interface files: what counts as missing and what is an error. */
class DirCgroupFsTest {
  @TempDir Path root;

  @Test
  void aFileThatFailsToReadBecauseItsCgroupIsGoneIsMissing() throws Exception {
    // What the kernel answers for a cgroup removed mid-read (ENODEV) cannot be made on a plain
    // directory; a read that fails with another error than "no such file" while the cgroup is not
    // there is the same case: here the cgroup's path is a file, so the read fails with ENOTDIR.
    Files.writeString(root.resolve("podgone"), "");
    DirCgroupFs fs = new DirCgroupFs(root);

    assertEquals(Optional.empty(), fs.read("/podgone", "cgroup.events"));
  }

  @Test
  void aFileThatFailsToReadWhileItsCgroupIsThereIsAnError() throws Exception {
    Files.createDirectories(root.resolve("pod1/cgroup.events")); // a directory where a file should be: EISDIR
    DirCgroupFs fs = new DirCgroupFs(root);

    SandboxdException e = assertThrows(SandboxdException.class, () -> fs.read("/pod1", "cgroup.events"));
    assertTrue(e.getMessage().contains("pod1/cgroup.events"), e.getMessage());
  }

  @Test
  void aMissingFileOfAnExistingCgroupIsMissing() throws Exception {
    Files.createDirectories(root.resolve("pod1"));
    DirCgroupFs fs = new DirCgroupFs(root);

    assertEquals(Optional.empty(), fs.read("/pod1", "memory.max"));
  }
}
