package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.Descriptor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import dev.sandboxd.fuzz.Fuzzer;
import java.util.Random;

/**
 * Mutated tar archives for fuzzing: valid seeds (plain ustar, pax, GNU long names, a whole OCI
 * image layout) changed by a few byte edits and header-field rewrites. A rewritten header gets a
 * correct checksum again, so the mutation reaches the parsing behind the checksum check.
 */
final class ArchiveMutations implements Fuzzer.Mutator<byte[], ArchiveMutations.Mutation> {
  private static final int BLOCK = 512;
  private static final String HEX = "a".repeat(64);

  enum Kind { FLIP_BYTE, SET_BYTE, TRUNCATE, DELETE_RANGE, DUPLICATE_BLOCK, HEADER_FIELD, PAX_HEADER }

  /** One edit: what, where (taken modulo the archive's length), and which variant of it. */
  record Mutation(Kind kind, int position, int choice) {}

  // Values header fields are set to: what writers do at the edges, and what attackers try.
  private static final List<String> NAMES = List.of("../escape", "/etc/passwd", "a/../../b", "blobs/sha256/" + HEX,
      "blobs/sha256/../../x", "./", ".", "", "a\u0000b", "\u00e9\u20ac\ud83d\ude00/x", "index.json", "oci-layout",
      "blobs/sha256/" + HEX + "/", "blobs//sha256///" + HEX, "x".repeat(100));
  private static final List<String> PAX_RECORDS = List.of("path=../../etc/passwd", "path=/abs", "path=a\u0000b",
      "size=-1", "size=99999999999999999999", "size=9223372036854775807", "size=" + (1L << 40), "size=x",
      "linkpath=../../../", "path=", "=novalue", "path=blobs/sha256/" + HEX, "mtime=1.5", "path=" + "p/".repeat(2000));
  private static final char[] TYPES = {'0', '\0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', 'V', 'M', 'Z'};

  private final List<byte[]> seeds = seedArchives();

  /** The seed archives: every header form the reader knows, and a whole image layout. */
  @Override
  public List<byte[]> seeds() {
    return seeds;
  }

  private static List<byte[]> seedArchives() {
    byte[] data = "hello\n".getBytes(StandardCharsets.UTF_8);
    byte[] plain = new TarBuilder().dir("blobs/").file("oci-layout", "{}").symlink("bin/sh", "busybox").build();
    byte[] extended = new TarBuilder().paxFile("blobs/sha256/" + HEX, data)
        .gnuLongNameFile("d/".repeat(80) + "file", data).file("index.json", "{\"manifests\":[]}").build();
    OciArchiveBuilder image = new OciArchiveBuilder();
    OciArchiveBuilder.Layer layer = image.layer("bin/hello", "hello", false);
    Descriptor manifest = image.manifest(image.config("amd64", List.of(layer)), List.of(layer));
    image.entry(manifest, "amd64", Map.of("io.containerd.image.name", "localhost/fuzz:1"));
    return List.of(plain, extended, image.build());
  }

  @Override
  public Mutation edit(Random random) {
    Kind[] kinds = Kind.values();
    return new Mutation(kinds[random.nextInt(kinds.length)], random.nextInt(1 << 20), random.nextInt(1 << 16));
  }

  @Override
  public byte[] apply(byte[] input, Mutation m) {
    byte[] archive = input.clone();
    if (archive.length == 0) {
      return archive;
    }
    int at = m.position() % archive.length;
    int block = (at / BLOCK) * BLOCK;
    switch (m.kind()) {
      case FLIP_BYTE -> archive[at] ^= (byte) (1 << (m.choice() % 8));
      case SET_BYTE -> archive[at] = (byte) m.choice();
      case TRUNCATE -> archive = Arrays.copyOf(archive, at);
      case DELETE_RANGE -> {
        int end = Math.min(archive.length, at + 1 + m.choice() % (2 * BLOCK));
        byte[] out = new byte[archive.length - (end - at)];
        System.arraycopy(archive, 0, out, 0, at);
        System.arraycopy(archive, end, out, at, archive.length - end);
        archive = out;
      }
      case DUPLICATE_BLOCK -> {
        if (block + BLOCK <= archive.length) {
          byte[] out = new byte[archive.length + BLOCK];
          System.arraycopy(archive, 0, out, 0, block + BLOCK);
          System.arraycopy(archive, block, out, block + BLOCK, archive.length - block);
          archive = out;
        }
      }
      case HEADER_FIELD -> {
        if (block + BLOCK <= archive.length) {
          rewriteField(archive, block, m.choice());
        }
      }
      case PAX_HEADER -> archive = insertPax(archive, block, PAX_RECORDS.get(m.choice() % PAX_RECORDS.size()), m.choice());
    }
    return archive;
  }

  /** Sets one field of the header at {@code block} to an edge value and fixes the checksum. */
  private static void rewriteField(byte[] a, int block, int choice) {
    int variant = choice / 8;
    switch (choice % 8) {
      case 0 -> put(a, block, 100, NAMES.get(variant % NAMES.size()));
      case 1 -> a[block + 156] = (byte) TYPES[variant % TYPES.length];
      case 2 -> putSize(a, block + 124, variant);
      case 3 -> put(a, block + 157, 100, NAMES.get(variant % NAMES.size()));
      case 4 -> put(a, block + 345, 155, NAMES.get(variant % NAMES.size()));
      case 5 -> put(a, block + 257, 8, variant % 2 == 0 ? "ustar\u000000" : "ustar  \u0000");
      case 6 -> put(a, block + 148, 8, variant % 2 == 0 ? "\u0080\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff" : "9999999");
      default -> a[block + variant % BLOCK] = (byte) variant;
    }
    if (choice % 8 != 6) {
      fixChecksum(a, block);
    }
  }

  private static void putSize(byte[] a, int off, int variant) {
    byte[] field = new byte[12];
    switch (variant % 6) {
      case 0 -> field = "77777777777\u0000".getBytes(StandardCharsets.ISO_8859_1); // 8 GiB - 1
      case 1 -> { // GNU base-256, as large as it goes
        Arrays.fill(field, (byte) 0xff);
        field[0] = (byte) 0xbf;
      }
      case 2 -> { // base-256 negative
        Arrays.fill(field, (byte) 0xff);
      }
      case 3 -> field = "   12 \u0000     ".getBytes(StandardCharsets.ISO_8859_1);
      case 4 -> field = "0000000999\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1);
      default -> field = String.format("%011o\u0000", (variant * 977L) % (1L << 33)).getBytes(StandardCharsets.ISO_8859_1);
    }
    System.arraycopy(field, 0, a, off, 12);
  }

  /** A pax 'x' header with one record inserted before the header block at {@code block}. */
  private static byte[] insertPax(byte[] archive, int block, String record, int choice) {
    String body = " " + record + "\n";
    int length = body.length() + 1;
    while (String.valueOf(length).length() + body.length() != length) {
      length++;
    }
    // Some variants lie about the record length.
    String lengthText = switch (choice % 5) {
      case 0 -> String.valueOf(length + 7);
      case 1 -> "99999999999";
      default -> String.valueOf(length);
    };
    byte[] data = (lengthText + body).getBytes(StandardCharsets.UTF_8);
    byte[] header = TarBuilder.header("PaxHeaders/x", 'x', data.length, "");
    int padded = (data.length + BLOCK - 1) / BLOCK * BLOCK;
    byte[] out = new byte[archive.length + BLOCK + padded];
    System.arraycopy(archive, 0, out, 0, block);
    System.arraycopy(header, 0, out, block, BLOCK);
    System.arraycopy(data, 0, out, block + BLOCK, data.length);
    System.arraycopy(archive, block, out, block + BLOCK + padded, archive.length - block);
    return out;
  }

  private static void put(byte[] a, int off, int len, String value) {
    byte[] b = value.getBytes(StandardCharsets.ISO_8859_1.newEncoder().canEncode(value)
        ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    Arrays.fill(a, off, off + len, (byte) 0);
    System.arraycopy(b, 0, a, off, Math.min(len, b.length));
  }

  private static void fixChecksum(byte[] a, int block) {
    Arrays.fill(a, block + 148, block + 156, (byte) ' ');
    int sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += a[block + i] & 0xff;
    }
    byte[] text = String.format("%06o\u0000 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, a, block + 148, 8);
  }
}
