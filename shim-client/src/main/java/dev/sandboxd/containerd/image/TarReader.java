package dev.sandboxd.containerd.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reads a tar stream entry by entry without buffering it: ustar, with pax extended headers and
 * GNU long names. Names are normalized ("./a//b/" is "a/b") and refused when absolute or holding
 * "..", so callers can match them safely; an entry over the size limit and a stream that ends
 * before the end-of-archive marker are errors, never a silently short archive.
 *
 * <p>Hand-written rather than Apache Commons Compress: an OCI layout needs only regular files and
 * directories, which this reads in 300 lines that TarReaderFuzzTest fuzzes; Compress brings dozens
 * of formats, sparse and multi-volume tar and a record of tar-parsing CVEs (out-of-memory on crafted
 * headers: CVE-2021-35517, CVE-2023-42503), and it would still need the checks made here (no "..",
 * no absolute or NUL names, size limits, a required end marker).
 */
final class TarReader {
  enum Type {
    REGULAR,
    DIRECTORY,
    SYMLINK,
    HARDLINK,
    OTHER
  }

  /** One entry; its data is read through {@link TarReader#content()} before the next {@link #next()}. */
  record Entry(String name, Type type, long size, String linkName) {}

  private static final int BLOCK = 512;
  // pax headers and GNU long names are metadata: a few KiB at most in any sane archive.
  private static final int MAX_METADATA = 1 << 20;

  private final InputStream in;
  private final long maxEntrySize;
  private String current = "";
  private long remaining; // data bytes of the current entry not read yet
  private long padding; // zero bytes after them, up to the next block
  private boolean ended;

  TarReader(InputStream in, long maxEntrySize) {
    this.in = in;
    this.maxEntrySize = maxEntrySize;
  }

  /** The next entry, or null after the end-of-archive marker. */
  Entry next() throws IOException {
    if (ended) {
      return null;
    }
    skipFully(remaining + padding);
    remaining = 0;
    padding = 0;
    String longName = null;
    String longLink = null;
    Map<String, String> pax = Map.of();
    while (true) {
      byte[] header = readBlock();
      if (isZero(header)) {
        ended = true;
        return null;
      }
      verifyChecksum(header);
      char flag = (char) header[156];
      long size = parseNumber(header, 124, 12);
      if (flag == 'x' || flag == 'g' || flag == 'L' || flag == 'K') {
        if (size > MAX_METADATA) {
          throw new IOException("tar: metadata entry of " + size + " bytes is over the limit of " + MAX_METADATA);
        }
        byte[] data = readFully((int) size);
        skipFully(padding(size));
        switch (flag) {
          case 'x' -> pax = parsePax(data);
          case 'L' -> longName = cString(data, 0, data.length);
          case 'K' -> longLink = cString(data, 0, data.length);
          default -> { } // 'g': global pax headers carry nothing sandboxd uses
        }
        continue;
      }
      String name = longName != null ? longName : headerName(header);
      String link = longLink != null ? longLink : cString(header, 157, 100);
      name = pax.getOrDefault("path", name);
      link = pax.getOrDefault("linkpath", link);
      if (pax.containsKey("size")) {
        size = parsePaxSize(pax.get("size"));
      }
      Type type = typeOf(flag);
      name = clean(name);
      boolean hasData = !(flag >= '1' && flag <= '6');
      if (hasData && size > maxEntrySize) {
        throw new IOException("tar: entry " + name + " is " + size + " bytes, over the limit of " + maxEntrySize);
      }
      current = name;
      remaining = hasData ? size : 0;
      padding = hasData ? padding(size) : 0;
      return new Entry(name, type, hasData ? size : 0, link);
    }
  }

  /**
   * The current entry's data; ends at the entry's end. Reading past the end of the underlying
   * stream (a truncated archive) fails with EOFException. Closing it does nothing.
   */
  InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException("tar: archive is truncated inside entry " + current);
        }
        remaining -= n;
        return n;
      }
    };
  }

  /** "./a//b/" is "a/b"; "/a", any ".." and a NUL (possible in a pax path, never in a file name) are refused. */
  static String clean(String name) throws IOException {
    if (name.indexOf('\0') >= 0) {
      throw new IOException("tar: path \"" + name.replace("\0", "\\0") + "\" refused: it contains a NUL byte");
    }
    if (name.startsWith("/")) {
      throw new IOException("tar: absolute path " + name + " refused");
    }
    StringJoiner joined = new StringJoiner("/");
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw new IOException("tar: path " + name + " refused: it contains \"..\"");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        joined.add(part);
      }
    }
    return joined.length() == 0 ? "." : joined.toString();
  }

  private static Type typeOf(char flag) {
    return switch (flag) {
      case '0', '\0', '7' -> Type.REGULAR;
      case '5' -> Type.DIRECTORY;
      case '2' -> Type.SYMLINK;
      case '1' -> Type.HARDLINK;
      default -> Type.OTHER;
    };
  }

  private static String headerName(byte[] h) {
    String name = cString(h, 0, 100);
    // POSIX ustar ("ustar\0") splits long names into prefix/name; GNU ("ustar  ") uses that space otherwise.
    boolean posix = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == 0;
    if (posix) {
      String prefix = cString(h, 345, 155);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static void verifyChecksum(byte[] h) throws IOException {
    long stored = parseNumber(h, 148, 8);
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int b = i >= 148 && i < 156 ? ' ' : h[i];
      unsigned += b & 0xff;
      signed += b;
    }
    // Some old writers summed signed bytes; both are accepted, as GNU tar does.
    if (stored != unsigned && stored != signed) {
      throw new IOException("tar: header checksum mismatch (not a tar archive, or corrupt)");
    }
  }

  /** Octal, NUL/space terminated; or GNU base-256 when the high bit of the first byte is set. */
  static long parseNumber(byte[] h, int off, int len) throws IOException {
    if ((h[off] & 0x80) != 0) {
      if ((h[off] & 0x40) != 0) {
        throw new IOException("tar: negative number in header");
      }
      long v = h[off] & 0x3f;
      for (int i = 1; i < len; i++) {
        if (v > (Long.MAX_VALUE >> 8)) {
          throw new IOException("tar: number in header too large");
        }
        v = (v << 8) | (h[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (h[i] == ' ' || h[i] == 0)) {
      i++;
    }
    for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
      if (h[i] < '0' || h[i] > '7') {
        throw new IOException("tar: invalid octal number in header");
      }
      v = (v << 3) | (h[i] - '0');
    }
    return v;
  }

  private static Map<String, String> parsePax(byte[] data) throws IOException {
    Map<String, String> records = new HashMap<>();
    int pos = 0;
    while (pos < data.length) {
      int space = pos;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      int length;
      try {
        length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("tar: malformed pax header record", e);
      }
      int end = pos + length;
      if (length <= 0 || end > data.length || space >= end || data[end - 1] != '\n') {
        throw new IOException("tar: malformed pax header record");
      }
      String record = new String(data, space + 1, end - space - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq <= 0) {
        throw new IOException("tar: malformed pax header record");
      }
      records.put(record.substring(0, eq), record.substring(eq + 1));
      pos = end;
    }
    return records;
  }

  private static long parsePaxSize(String value) throws IOException {
    try {
      long size = Long.parseLong(value);
      if (size < 0) {
        throw new IOException("tar: negative pax size " + value);
      }
      return size;
    } catch (NumberFormatException e) {
      throw new IOException("tar: invalid pax size " + value, e);
    }
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static long padding(long size) {
    return (BLOCK - size % BLOCK) % BLOCK;
  }

  private byte[] readBlock() throws IOException {
    byte[] block = in.readNBytes(BLOCK);
    if (block.length < BLOCK) {
      throw new EOFException("tar: archive is truncated (no end-of-archive marker)");
    }
    return block;
  }

  private byte[] readFully(int size) throws IOException {
    byte[] data = in.readNBytes(size);
    if (data.length < size) {
      throw new EOFException("tar: archive is truncated inside a header");
    }
    return data;
  }

  private void skipFully(long n) throws IOException {
    try {
      in.skipNBytes(n);
    } catch (EOFException e) {
      throw new EOFException("tar: archive is truncated inside entry " + current);
    }
  }
}
