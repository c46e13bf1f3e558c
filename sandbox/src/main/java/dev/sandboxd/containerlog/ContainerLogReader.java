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
 * keepGoing holds, then drains what is left. Files are told apart by inode, not name, so a
 * rotation while reading (the names shift) loses nothing: after a file, the reader goes on with
 * the one rotated after it. Only a reader that falls behind by max-files rotations misses what
 * was deleted meanwhile. Reads in small buffers into out, whose writes block while the client is
 * slow, so memory stays flat whatever the log's size.
 */
public final class ContainerLogReader {
  private static final long FOLLOW_POLL_MILLIS = 100;
  private static final int BUFFER_BYTES = 32 * 1024;
  /** How every record starts ("2026-12-02T00:46:48"), 9 standing for any digit. */
  private static final String RECORD_START = "9999-99-99T99:99:99";

  public void copy(Path log, OutputStream rawOut, LogOptions options, BooleanSupplier keepGoing) throws IOException {
    // A log from before rotation has no records: no times to filter by or show, printed as it is.
    CriLogDecoder decoder = writtenBeforeRotation(log)
        ? null
        : new CriLogDecoder(rawOut, options.since(), options.timestamps(), options.tailLines());
    OutputStream out = decoder == null ? rawOut : decoder;
    byte[] buffer = new byte[BUFFER_BYTES];
    BooleanSupplier following = () -> options.follow() && keepGoing.getAsBoolean();
    // Without follow, the read ends with the file that was live when it began.
    Object lastKey = options.follow() ? null : fileKey(log);
    Object done = null;
    while (true) {
      Opened file = openAfter(log, done);
      if (file == null) {
        caughtUp(decoder, out);
        if (!following.getAsBoolean()) {
          return;
        }
        sleep(); // no log yet, or between a rotation's rename and the new file
        continue;
      }
      try (InputStream in = file.in()) {
        while (true) {
          copyAvailable(in, out, buffer);
          out.flush();
          boolean live = Objects.equals(file.key(), fileKey(log));
          if (!live) {
            // The logger closes a file before renaming it: what it holds now is all it will hold.
            copyAvailable(in, out, buffer);
            out.flush();
            break;
          }
          if (file.key().equals(lastKey) || !following.getAsBoolean()) {
            // One last read: the container may have written just before it stopped.
            copyAvailable(in, out, buffer);
            caughtUp(decoder, out);
            return;
          }
          // At the end of the live file: a tail has all it needs, new lines follow it.
          caughtUp(decoder, out);
          sleep();
        }
      }
      if (file.key().equals(lastKey)) {
        caughtUp(decoder, out);
        return;
      }
      done = file.key();
    }
  }

  private static void caughtUp(CriLogDecoder decoder, OutputStream out) throws IOException {
    if (decoder != null) {
      decoder.caughtUp();
    }
    out.flush();
  }

  private record Opened(InputStream in, Object key) {}

  /**
   * Opens the file rotated after the one whose key is done (the oldest there is when done is
   * null, or is gone: every file left is newer); null when there is none yet.
   */
  private static Opened openAfter(Path log, Object done) throws IOException {
    while (true) {
      List<Path> chain = new ArrayList<>(rotatedOldestFirst(log));
      chain.add(log);
      List<Object> keys = new ArrayList<>();
      for (Path p : chain) {
        keys.add(fileKey(p));
      }
      int next = done == null ? 0 : keys.indexOf(done) + 1;
      while (next < chain.size() && keys.get(next) == null) {
        next++;
      }
      if (next >= chain.size()) {
        return null;
      }
      Path path = chain.get(next);
      InputStream in;
      try {
        in = Files.newInputStream(path);
      } catch (NoSuchFileException e) {
        continue; // renamed meanwhile: look again
      }
      if (keys.get(next).equals(fileKey(path))) {
        return new Opened(in, keys.get(next));
      }
      in.close(); // another file has that name now: look again
    }
  }

  private static void copyAvailable(InputStream in, OutputStream out, byte[] buffer) throws IOException {
    int n;
    while ((n = in.read(buffer)) > 0) {
      out.write(buffer, 0, n);
    }
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
