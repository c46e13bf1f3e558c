package dev.sandboxd.containerlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerLogReaderTest {
  @TempDir Path dir;

  @Test
  void rotatedFilesAreReadOldestFirstThenTheLiveOne() throws Exception {
    Path live = dir.resolve("0.log");
    Files.writeString(dir.resolve("0.log.2"), record("one"));
    Files.writeString(dir.resolve("0.log.1"), record("two"));
    Files.writeString(live, record("three"));
    Files.writeString(dir.resolve("1.log.1"), record("another run"));

    assertEquals("one\ntwo\nthree\n", read(live, false, () -> false));
  }

  @Test
  void aFollowerMovesOnToTheNewLiveFileWhenTheLoggerRotates() throws Exception {
    Path live = dir.resolve("0.log");
    Files.writeString(live, record("before"));
    AtomicBoolean keepGoing = new AtomicBoolean(true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CompletableFuture<Void> follower = CompletableFuture.runAsync(() -> {
      try {
        new ContainerLogReader().copy(live, out, LogOptions.all(true), keepGoing::get);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(300);
    // The logger's rotation: the last records, close, rename, a new live file.
    Files.writeString(live, record("last of the old file"), StandardOpenOption.APPEND);
    Files.move(live, dir.resolve("0.log.1"));
    Thread.sleep(150);
    Files.writeString(live, record("first of the new file"));
    Thread.sleep(300);
    Files.writeString(live, record("later"), StandardOpenOption.APPEND);
    Thread.sleep(300);
    keepGoing.set(false);
    follower.get(5, TimeUnit.SECONDS);

    assertEquals("before\nlast of the old file\nfirst of the new file\nlater\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aRotationWhileTheReaderIsBehindLosesNothing() throws Exception {
    Path live = dir.resolve("0.log");
    Files.writeString(dir.resolve("0.log.1"), record("A"));
    Files.writeString(live, record("B"));
    AtomicBoolean keepGoing = new AtomicBoolean(true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // A slow client: while the reader still writes A out, the logger rotates B away and starts C.
    OutputStream slowClient = rotatingOnFirstWrite(out);
    CompletableFuture<Void> follower = CompletableFuture.runAsync(() -> {
      try {
        new ContainerLogReader().copy(live, slowClient, LogOptions.all(true), keepGoing::get);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(500);
    keepGoing.set(false);
    follower.get(5, TimeUnit.SECONDS);

    assertEquals("A\nB\nC\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void withoutFollowTheReadEndsWithTheFileThatWasLiveAtItsStart() throws Exception {
    Path live = dir.resolve("0.log");
    Files.writeString(dir.resolve("0.log.1"), record("A"));
    Files.writeString(live, record("B"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ContainerLogReader().copy(live, rotatingOnFirstWrite(out), LogOptions.all(false), () -> true);
    assertEquals("A\nB\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aLogWrittenBeforeRotationIsPrintedAsItIs() throws Exception {
    Path live = dir.resolve("0.log");
    Files.writeString(live, "plain output of a run started by an older sandboxd\nsecond line\n");
    assertEquals("plain output of a run started by an older sandboxd\nsecond line\n", read(live, false, () -> false));
  }

  @Test
  void aMissingLogIsEmptyWithoutFollow() throws Exception {
    assertEquals("", read(dir.resolve("0.log"), false, () -> true));
  }

  private static String read(Path live, boolean follow, java.util.function.BooleanSupplier keepGoing) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ContainerLogReader().copy(live, out, LogOptions.all(follow), keepGoing);
    return out.toString(StandardCharsets.UTF_8);
  }

  /** out, where the first write rotates 0.log.1 -> .2, 0.log -> .1 and starts a new 0.log with C, as the logger does. */
  private OutputStream rotatingOnFirstWrite(OutputStream out) {
    return new FilterOutputStream(out) {
      boolean rotated;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (!rotated) {
          rotated = true;
          Files.move(dir.resolve("0.log.1"), dir.resolve("0.log.2"));
          Files.move(dir.resolve("0.log"), dir.resolve("0.log.1"));
          Files.writeString(dir.resolve("0.log"), record("C"));
        }
        out.write(b, off, len);
      }
    };
  }

  static String record(String line) {
    return "2026-12-02T00:46:48.909021102Z stdout F " + line + "\n";
  }
}
