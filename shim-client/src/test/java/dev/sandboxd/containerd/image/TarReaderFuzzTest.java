package dev.sandboxd.containerd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.management.ThreadMXBean;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.fuzz.Fuzzer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the image archive reader and the import path with mutated archives (see
 * {@link ArchiveMutations}), each property for {@link Fuzzer#perProperty()}.
 */
class TarReaderFuzzTest {
  private static final long LIMIT = 1 << 20;
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  /**
   * Every entry name stays inside the archive's root, sizes stay within the limit, the only
   * failure is an IOException saying "tar: ...", and memory follows the input, never the sizes
   * headers claim.
   */
  @Test
  void readerFailsCleanlyAndNamesStayInside() {
    Fuzzer.fuzz(new ArchiveMutations(), TarReaderFuzzTest::readCleanly);
  }

  static void readCleanly(byte[] archive) {
    long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
    List<TarReader.Entry> entries = new ArrayList<>();
    try {
      TarReader reader = new TarReader(new ByteArrayInputStream(archive), LIMIT);
      for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
        entries.add(e);
        assertTrue(entries.size() <= archive.length / 512, "more entries than header blocks");
        reader.content().transferTo(java.io.OutputStream.nullOutputStream());
      }
    } catch (IOException e) {
      assertTrue(e.getMessage() != null && e.getMessage().startsWith("tar: "), () -> describe(archive, e));
    } catch (RuntimeException | Error e) {
      fail(describe(archive, e), e);
    }
    for (TarReader.Entry e : entries) {
      assertInside(e.name(), archive);
      assertTrue(e.size() >= 0 && e.size() <= LIMIT, () -> "size " + e.size() + " of " + e.name());
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
    assertTrue(allocated < (4L << 20) + 16L * archive.length,
        () -> allocated + " bytes allocated for an archive of " + archive.length + ": " + encode(archive));
  }

  /** The whole import, against a fake containerd: it succeeds or fails with sandboxd's own error. */
  @Test
  void importFailsOnlyWithSandboxdErrors() {
    Fuzzer.fuzz(new ArchiveMutations(), TarReaderFuzzTest::importCleanly);
  }

  static void importCleanly(byte[] archive) {
    ContainerdImageStore images =
        new ContainerdImageStore(new FakeContainerd(), new ImageStoreOptions(
            dev.sandboxd.containerd.image.Platform.LINUX_AMD64, "overlayfs", LIMIT, java.time.Duration.ofHours(1), LIMIT));
    try {
      images.importArchive(new ByteArrayInputStream(archive));
    } catch (SandboxdException e) {
      assertFalse(e.getMessage() == null || e.getMessage().isBlank(), () -> describe(archive, e));
    } catch (RuntimeException | Error e) {
      fail(describe(archive, e), e);
    }
  }

  /** A cleaned name: relative, no "." or ".." or empty part, no NUL ("." alone is the root). */
  static void assertInside(String name, byte[] archive) {
    if (name.equals(".")) {
      return;
    }
    assertFalse(name.startsWith("/") || name.endsWith("/") || name.contains("\0"), () -> name + " in " + encode(archive));
    for (String part : name.split("/", -1)) {
      assertFalse(part.isEmpty() || part.equals(".") || part.equals(".."), () -> name + " in " + encode(archive));
    }
    assertEquals(name, java.nio.file.Path.of("/root").resolve(name).normalize().toString().substring("/root/".length()));
  }

  private static String describe(byte[] archive, Throwable e) {
    return e + " for archive (base64) " + encode(archive);
  }

  private static String encode(byte[] archive) {
    return Base64.getEncoder().encodeToString(archive);
  }
}
