package dev.sandboxd.containerd.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes small tar archives in memory for tests: ustar entries, pax and GNU long names. */
final class TarBuilder {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  TarBuilder file(String name, byte[] data) {
    entry(name, '0', data, "");
    return this;
  }

  TarBuilder file(String name, String data) {
    return file(name, data.getBytes(StandardCharsets.UTF_8));
  }

  TarBuilder dir(String name) {
    entry(name, '5', new byte[0], "");
    return this;
  }

  TarBuilder symlink(String name, String target) {
    entry(name, '2', new byte[0], target);
    return this;
  }

  /** A file whose name is given in a pax extended header (the ustar name is a stand-in). */
  TarBuilder paxFile(String name, byte[] data) {
    String record = " path=" + name + "\n";
    // The record's length prefix counts its own digits.
    int length = record.length() + 1;
    while (String.valueOf(length).length() + record.length() != length) {
      length++;
    }
    entry("PaxHeaders/x", 'x', (length + record).getBytes(StandardCharsets.UTF_8), "");
    entry("stand-in", '0', data, "");
    return this;
  }

  /** A file whose name is given in a GNU 'L' entry before it. */
  TarBuilder gnuLongNameFile(String name, byte[] data) {
    entry("././@LongLink", 'L', (name + "\0").getBytes(StandardCharsets.UTF_8), "");
    entry(name.substring(0, Math.min(99, name.length())), '0', data, "");
    return this;
  }

  /** Raw bytes, e.g. a corrupt header. */
  TarBuilder raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  /** The archive with its end-of-archive marker (two zero blocks). */
  byte[] build() {
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    copy.writeBytes(out.toByteArray());
    copy.writeBytes(new byte[1024]);
    return copy.toByteArray();
  }

  /** The entries without the end marker, as a cut-off stream would look. */
  byte[] buildWithoutEnd() {
    return out.toByteArray();
  }

  static byte[] header(String name, char type, long size, String link) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    put(h, 100, 8, "0000644");
    put(h, 108, 8, "0000000");
    put(h, 116, 8, "0000000");
    put(h, 124, 12, String.format("%011o", size));
    put(h, 136, 12, "00000000000");
    h[156] = (byte) type;
    put(h, 157, 100, link);
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    int sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 7, String.format("%06o", sum));
    return h;
  }

  private void entry(String name, char type, byte[] data, String link) {
    out.writeBytes(header(name, type, data.length, link));
    out.writeBytes(data);
    out.writeBytes(new byte[(512 - data.length % 512) % 512]);
  }

  private static void put(byte[] h, int off, int len, String value) {
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    if (b.length > len) {
      throw new IllegalArgumentException(value + " does not fit " + len + " bytes");
    }
    System.arraycopy(b, 0, h, off, b.length);
  }
}
