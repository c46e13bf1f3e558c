package dev.sandboxd.manifestdir;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;

/**
 * Calls onChange, on its own thread, whenever something in one directory is created, written or
 * deleted (inotify on Linux, through java.nio's WatchService). Which file changed is not passed on:
 * the caller reads the whole directory anyway, and an event queue that overflowed names nothing.
 */
final class DirectoryWatch implements AutoCloseable {
  private final Path dir;
  private final WatchService service;
  private final Thread thread;

  private DirectoryWatch(Path dir, WatchService service, Runnable onChange, String threadName) {
    this.dir = dir;
    this.service = service;
    this.thread = new Thread(() -> loop(onChange), threadName);
    this.thread.setDaemon(true);
  }

  /** Starts the thread; events come once {@link #register} succeeded. */
  static DirectoryWatch start(Path dir, Runnable onChange, String threadName) throws IOException {
    DirectoryWatch watch = new DirectoryWatch(dir, dir.getFileSystem().newWatchService(), onChange, threadName);
    watch.thread.start();
    return watch;
  }

  /**
   * Watches the directory now at the path. Needed again after the directory was deleted and made
   * anew (the old registration ends with the old directory); harmless when nothing changed.
   */
  void register() throws IOException {
    dir.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
  }

  private void loop(Runnable onChange) {
    try {
      while (true) {
        WatchKey key = service.take();
        key.pollEvents();
        key.reset();
        onChange.run();
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // closed: the watch is over
    }
  }

  @Override
  public void close() throws IOException {
    service.close();
  }
}
