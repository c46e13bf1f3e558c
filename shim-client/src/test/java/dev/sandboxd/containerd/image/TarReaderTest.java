package dev.sandboxd.containerd.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TarReaderTest {
  private static final long LIMIT = 1 << 20;

  @Test
  void readsFilesDirectoriesAndLinksInOrder() throws IOException {
    byte[] big = new byte[1500]; // spans blocks, ends mid-block
    Arrays.fill(big, (byte) 7);
    byte[] tar =
        new TarBuilder()
            .dir("./blobs/")
            .file("./oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
            .file("blobs/sha256/big", big)
            .symlink("bin/sh", "busybox")
            .build();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar), LIMIT);

    TarReader.Entry dir = reader.next();
    assertEquals(new TarReader.Entry("blobs", TarReader.Type.DIRECTORY, 0, ""), dir);
    TarReader.Entry layout = reader.next();
    assertEquals("oci-layout", layout.name());
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", new String(reader.content().readAllBytes(), StandardCharsets.UTF_8));
    TarReader.Entry blob = reader.next();
    assertEquals(1500, blob.size());
    assertArrayEquals(big, reader.content().readAllBytes());
    TarReader.Entry link = reader.next();
    assertEquals(new TarReader.Entry("bin/sh", TarReader.Type.SYMLINK, 0, "busybox"), link);
    assertNull(reader.next());
    assertNull(reader.next());
  }

  @Test
  void skipsUnreadContent() throws IOException {
    byte[] tar = new TarBuilder().file("a", new byte[700]).file("b", "second").build();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar), LIMIT);
    reader.next();
    reader.content().read(new byte[10]);
    assertEquals("b", reader.next().name());
    assertEquals("second", new String(reader.content().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void longNamesFromPaxAndGnuHeaders() throws IOException {
    String longName = "blobs/sha256/" + "a".repeat(64) + "/and/a/path/well/beyond/one/hundred/characters/in/length";
    byte[] tar =
        new TarBuilder()
            .paxFile(longName, "pax".getBytes(StandardCharsets.UTF_8))
            .gnuLongNameFile(longName + "/gnu", "gnu".getBytes(StandardCharsets.UTF_8))
            .build();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar), LIMIT);
    List<String> names = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
      names.add(e.name());
      contents.add(new String(reader.content().readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(List.of(longName, longName + "/gnu"), names);
    assertEquals(List.of("pax", "gnu"), contents);
  }

  @ParameterizedTest(name = "{0} is refused")
  @CsvSource({"../etc/passwd", "blobs/../../x", "/etc/passwd", "a/b/../c"})
  void refusesEscapingPaths(String name) {
    byte[] tar = new TarBuilder().file(name, "x").build();
    IOException e = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(tar), LIMIT).next());
    assertTrue(e.getMessage().contains("refused"), e.getMessage());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"./a//b/, a/b", "a/./b, a/b", "./, .", "index.json, index.json"})
  void cleansNames(String raw, String clean) throws IOException {
    assertEquals(clean, TarReader.clean(raw));
  }

  /** Found by TarReaderFuzzTest: a pax path may hold a NUL, which no file name can. */
  @Test
  void fuzzRegressionPaxPathWithNulIsRefused() {
    byte[] tar = new TarBuilder().paxFile("a\0b", new byte[1]).build();
    IOException e = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(tar), LIMIT).next());
    assertTrue(e.getMessage().startsWith("tar: path \"a\\0b\" refused"), e.getMessage());
  }

  @Test
  void refusesOversizeEntries() {
    byte[] tar = new TarBuilder().file("blob", new byte[2048]).build();
    IOException e = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(tar), 1024).next());
    assertTrue(e.getMessage().contains("over the limit"), e.getMessage());
  }

  @Test
  void truncatedInsideAnEntryFails() throws IOException {
    byte[] full = new TarBuilder().file("blob", new byte[4000]).build();
    byte[] cut = Arrays.copyOf(full, 512 + 1000);
    TarReader reader = new TarReader(new ByteArrayInputStream(cut), LIMIT);
    reader.next();
    assertThrows(EOFException.class, () -> reader.content().readAllBytes());
  }

  @Test
  void missingEndMarkerFails() throws IOException {
    byte[] tar = new TarBuilder().file("a", "x").buildWithoutEnd();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar), LIMIT);
    reader.next();
    assertThrows(EOFException.class, reader::next);
  }

  @Test
  void corruptHeaderFails() {
    byte[] header = TarBuilder.header("a", '0', 0, "");
    header[0] = 'b'; // checksum no longer matches
    byte[] tar = new TarBuilder().raw(header).build();
    IOException e = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(tar), LIMIT).next());
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
  }

  @Test
  void parsesOctalAndBase256Numbers() throws IOException {
    byte[] octal = "00000001750\0".getBytes(StandardCharsets.US_ASCII);
    assertEquals(1000, TarReader.parseNumber(octal, 0, 12));
    byte[] base256 = new byte[12];
    base256[0] = (byte) 0x80;
    base256[7] = 0x02; // 2 << 32: an 8 GiB entry, beyond what 11 octal digits hold
    assertEquals(2L << 32, TarReader.parseNumber(base256, 0, 12));
  }
}
