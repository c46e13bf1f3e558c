package dev.sandboxd.containerlog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prints a container run's log as the container wrote it: the rotated files oldest first
 * (<log>.N ... <log>.1), then the live file; with follow, keeps printing what is appended while
 * keepGoing holds, moving on to the new live file when the logger rotates, then drains what is
 * left. A reader that falls more than a whole rotation behind skips what was rotated away.
 * Reads in small buffers into out, whose writes block while the client is slow, so memory stays
 * flat whatever the log's size.
 */
public final class ContainerLogReader {
  private static final long FOLLOW_POLL_MILLIS = 100;
  private static final int BUFFER_BYTES = 32 * 1024;
  /** How every record starts ("2026-12-02T00:46:48"), 9 standing for any digit. */
  private static final String RECORD_START = "9999-99-99T99:99:99";

  public void copy(Path log, OutputStream rawOut, boolean follow, BooleanSupplier keepGoing) throws IOException {
    OutputStream out = writtenBeforeRotation(log) ? rawOut : new CriLogDecoder(rawOut);
    byte[] buffer = new byte[BUFFER_BYTES];
    for (Path rotated : rotatedOldestFirst(log)) {
      try (InputStream in = Files.newInputStream(rotated)) {
        copyAvailable(in, out, buffer);
      } catch (NoSuchFileException e) {
        // Rotated away (or its pod removed) meanwhile.
      }
    }
    out.flush();
    if (!Files.exists(log) && !follow) {
      return;
    }
    while (true) {
      if (!waitFor(log, keepGoing)) {
        return;
      }
      try {
        if (!copyLive(log, out, buffer, follow, keepGoing)) {
          return;
        }
      } catch (NoSuchFileException e) {
        return; // removed together with its pod while being read
      }
    }
  }

  /** Copies the live file; true when it was rotated and its successor is to be read next. */
  private boolean copyLive(Path log, OutputStream out, byte[] buffer, boolean follow, BooleanSupplier keepGoing)
      throws IOException {
    Object key = fileKey(log);
    try (InputStream in = Files.newInputStream(log)) {
      if (!Objects.equals(key, fileKey(log))) {
        return true; // rotated between the two looks: start again with the new one
      }
      while (true) {
        copyAvailable(in, out, buffer);
        out.flush();
        if (follow && keepGoing.getAsBoolean() && !Objects.equals(key, fileKey(log))) {
          // The logger closes a file before renaming it: what it holds now is all it will hold.
          copyAvailable(in, out, buffer);
          out.flush();
          return true;
        }
        if (!follow || !keepGoing.getAsBoolean()) {
          // One last read: the container may have written just before it stopped.
          copyAvailable(in, out, buffer);
          out.flush();
          return false;
        }
        sleep();
      }
    }
  }

  private static void copyAvailable(InputStream in, OutputStream out, byte[] buffer) throws IOException {
    int n;
    while ((n = in.read(buffer)) > 0) {
      out.write(buffer, 0, n);
    }
  }

  /** Waits until the file exists; false when keepGoing stopped holding first. */
  private boolean waitFor(Path log, BooleanSupplier keepGoing) throws IOException {
    while (!Files.exists(log)) {
      if (!keepGoing.getAsBoolean()) {
        return false;
      }
      sleep();
    }
    return true;
  }

  /** The file's identity (device and inode), null when it is missing (between a rotation's rename and create). */
  private static Object fileKey(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * A run started by a sandboxd from before log rotation had its output appended as it came by
   * the shim (a file:// URI), and keeps that log until it ends. Records start with their time;
   * such a log (almost certainly) does not, and it is never rotated.
   */
  private static boolean writtenBeforeRotation(Path log) throws IOException {
    byte[] start = new byte[RECORD_START.length()];
    int n;
    try (InputStream in = Files.newInputStream(log)) {
      n = in.readNBytes(start, 0, start.length);
    } catch (NoSuchFileException e) {
      return false;
    }
    return n > 0 && !startsLikeARecord(start, n) && rotatedOldestFirst(log).isEmpty();
  }

  private static boolean startsLikeARecord(byte[] start, int n) {
    for (int i = 0; i < n; i++) {
      char want = RECORD_START.charAt(i);
      boolean ok = want == '9' ? start[i] >= '0' && start[i] <= '9' : start[i] == want;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static List<Path> rotatedOldestFirst(Path log) throws IOException {
    Pattern rotated = Pattern.compile(Pattern.quote(log.getFileName().toString()) + "\\.([0-9]{1,9})");
    record Numbered(Path path, int n) {}
    List<Numbered> found = new ArrayList<>();
    if (!Files.isDirectory(log.getParent())) {
      return List.of();
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(log.getParent())) {
      for (Path f : files) {
        Matcher m = rotated.matcher(f.getFileName().toString());
        if (m.matches()) {
          found.add(new Numbered(f, Integer.parseInt(m.group(1))));
        }
      }
    }
    found.sort(Comparator.comparingInt(Numbered::n).reversed());
    return found.stream().map(Numbered::path).toList();
  }

  private static void sleep() throws IOException {
    try {
      Thread.sleep(FOLLOW_POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while following a log", e);
    }
  }
}
