package dev.sandboxd.manifestdir;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real WatchService (inotify): each kind of change wakes the watcher. */
class DirectoryWatchTest {
  @TempDir Path dir;

  @Test
  void creatingWritingAndDeletingAFileEachCallOnChange() throws Exception {
    Semaphore changes = new Semaphore(0);
    try (DirectoryWatch watch = DirectoryWatch.start(dir, changes::release, "test-watch")) {
      watch.register();
      Path file = dir.resolve("web.yaml");
      Files.writeString(file, "a");
      assertTrue(changes.tryAcquire(10, TimeUnit.SECONDS), "create");
      changes.drainPermits();
      Files.writeString(file, "b");
      assertTrue(changes.tryAcquire(10, TimeUnit.SECONDS), "write");
      changes.drainPermits();
      Files.delete(file);
      assertTrue(changes.tryAcquire(10, TimeUnit.SECONDS), "delete");
    }
  }
}
