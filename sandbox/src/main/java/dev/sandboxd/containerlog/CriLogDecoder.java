package dev.sandboxd.containerlog;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Turns CRI log records ("<time> <stream> <F|P> <text>\n") back into the container's output:
 * the text of each record, followed by a newline when the record ends a line (F), not when it
 * is a piece of a longer line (P). Records may arrive split at any byte. Optionally drops
 * records older than since, starts each line with its record's time, and holds back all but the
 * last tail lines until {@link #caughtUp()} (the end of what was logged when reading began).
 */
final class CriLogDecoder extends FilterOutputStream {
  private final Optional<Instant> since;
  private final boolean timestamps;
  /** The record being received, up to its newline (the logger keeps records to 16 KiB). */
  private final ByteArrayOutputStream record = new ByteArrayOutputStream();
  /** With a tail, until caught up: the last lines (each whole, or the last one in progress). */
  private ArrayDeque<ByteArrayOutputStream> held;
  /** Bytes in held: a tail keeps at most MAX_HELD_BYTES of them, however long the lines. */
  private long heldBytes;
  /**
   * A tail reads the live file to its end before it prints, and a line without a newline can be as
   * long as the file: beyond this many bytes the oldest lines go, then the start of the last one.
   */
  static final int MAX_HELD_BYTES = 4 << 20;
  private final int tail;
  private boolean lineStart = true;

  CriLogDecoder(OutputStream out) {
    this(out, Optional.empty(), false, OptionalInt.empty());
  }

  CriLogDecoder(OutputStream out, Optional<Instant> since, boolean timestamps, OptionalInt tail) {
    super(out);
    this.since = since;
    this.timestamps = timestamps;
    this.tail = tail.orElse(-1);
    if (tail.isPresent()) {
      held = new ArrayDeque<>();
      held.add(new ByteArrayOutputStream());
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    int end = off + len;
    int start = off;
    for (int i = off; i < end; i++) {
      if (b[i] == '\n') {
        record.write(b, start, i - start);
        decode(record.toByteArray());
        record.reset();
        start = i + 1;
      }
    }
    record.write(b, start, end - start);
  }

  /** Everything logged when reading began has been written: from now on lines go out as they come. */
  void caughtUp() throws IOException {
    if (held == null) {
      return;
    }
    ArrayDeque<ByteArrayOutputStream> lines = held;
    held = null;
    for (ByteArrayOutputStream line : lines) {
      line.writeTo(out);
    }
  }

  private void decode(byte[] r) throws IOException {
    int timeEnd = indexOf(r, (byte) ' ', 0);
    int streamEnd = timeEnd < 0 ? -1 : indexOf(r, (byte) ' ', timeEnd + 1);
    if (streamEnd < 0 || streamEnd + 1 >= r.length) {
      return; // not a record (a torn write): nothing of the container's
    }
    boolean fullLine = r[streamEnd + 1] == 'F';
    int textStart = Math.min(r.length, streamEnd + 3);
    if (since.isPresent() || timestamps) {
      String time = new String(r, 0, timeEnd, StandardCharsets.US_ASCII);
      if (since.isPresent() && isBefore(time, since.get())) {
        return;
      }
      if (timestamps && lineStart) {
        emit((time + " ").getBytes(StandardCharsets.US_ASCII), 0, time.length() + 1, false);
      }
    }
    emit(r, textStart, r.length - textStart, false);
    if (fullLine) {
      emit(new byte[] {'\n'}, 0, 1, true);
    }
    lineStart = fullLine;
  }

  private static boolean isBefore(String time, Instant since) {
    try {
      return Instant.parse(time).isBefore(since);
    } catch (DateTimeParseException e) {
      return false; // a record without a readable time is kept rather than lost
    }
  }

  private void emit(byte[] b, int off, int len, boolean endsLine) throws IOException {
    if (held == null) {
      out.write(b, off, len);
      return;
    }
    held.peekLast().write(b, off, len);
    heldBytes += len;
    if (endsLine) {
      held.add(new ByteArrayOutputStream());
      // The open (empty) line does not count: keep tail whole lines before it.
      while (held.size() > tail + 1) {
        heldBytes -= held.removeFirst().size();
      }
    }
    while (heldBytes > MAX_HELD_BYTES && held.size() > 1) {
      heldBytes -= held.removeFirst().size();
    }
    if (heldBytes > MAX_HELD_BYTES) {
      // One line longer than the budget: keep its last half budget of bytes.
      byte[] line = held.removeFirst().toByteArray();
      ByteArrayOutputStream end = new ByteArrayOutputStream();
      end.write(line, line.length - MAX_HELD_BYTES / 2, MAX_HELD_BYTES / 2);
      held.add(end);
      heldBytes = end.size();
    }
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
