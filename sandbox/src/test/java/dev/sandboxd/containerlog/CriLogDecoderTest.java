package dev.sandboxd.containerlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CriLogDecoderTest {
  private static final String RECORDS = """
      2026-12-02T00:46:48.909021102Z stdout F first line
      2026-12-02T00:46:48.909021102Z stderr F an error: with spaces  and colons
      2026-12-02T00:46:48.909021102Z stdout P a long line, first piece;\s
      2026-12-02T00:46:48.909021102Z stdout F second piece
      2026-12-02T00:46:48.909021102Z stdout F\s
      2026-12-02T00:46:48.909021102Z stdout F after an empty line
      """;
  private static final String PLAIN = """
      first line
      an error: with spaces  and colons
      a long line, first piece; second piece

      after an empty line
      """;

  @Test
  void recordsBecomeTheContainersOutput() throws IOException {
    assertEquals(PLAIN, decode(RECORDS.getBytes(StandardCharsets.UTF_8), Integer.MAX_VALUE));
  }

  @Test
  void recordsSplitAtAnyByteDecodeTheSame() throws IOException {
    byte[] bytes = RECORDS.getBytes(StandardCharsets.UTF_8);
    for (int piece = 1; piece <= 40; piece++) {
      assertEquals(PLAIN, decode(bytes, piece), "pieces of " + piece + " bytes");
    }
  }

  private static final String TIMED = """
      2026-12-02T10:00:01.000000001Z stdout F one
      2026-12-02T10:00:02.000000002Z stdout P two, first piece;\s
      2026-12-02T10:00:03.000000003Z stdout F second piece
      2026-12-02T10:00:04.000000004Z stderr F three
      2026-12-02T10:00:05.000000005Z stdout F four
      """;

  @Test
  void timestampsStartEachLineWithItsFirstRecordsTime() throws IOException {
    assertEquals("""
        2026-12-02T10:00:01.000000001Z one
        2026-12-02T10:00:02.000000002Z two, first piece; second piece
        2026-12-02T10:00:04.000000004Z three
        2026-12-02T10:00:05.000000005Z four
        """, decode(TIMED, Optional.empty(), true, OptionalInt.empty()));
  }

  @Test
  void sinceDropsRecordsLoggedBeforeIt() throws IOException {
    assertEquals("second piece\nthree\nfour\n",
        decode(TIMED, Optional.of(Instant.parse("2026-12-02T10:00:03Z")), false, OptionalInt.empty()));
    assertEquals("", decode(TIMED, Optional.of(Instant.parse("2026-12-03T00:00:00Z")), false, OptionalInt.empty()));
  }

  @ParameterizedTest(name = "tail {0}")
  @CsvSource(delimiter = '|', textBlock = """
      0 | ''
      1 | 'four\\n'
      2 | 'three\\nfour\\n'
      3 | 'two, first piece; second piece\\nthree\\nfour\\n'
      9 | 'one\\ntwo, first piece; second piece\\nthree\\nfour\\n'
      """)
  void tailKeepsTheLastLinesUntilCaughtUpThenPassesNewOnes(int tail, String expected) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CriLogDecoder decoder = new CriLogDecoder(out, Optional.empty(), false, OptionalInt.of(tail));
    decoder.write(TIMED.getBytes(StandardCharsets.UTF_8));
    assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing before the reader caught up");
    decoder.caughtUp();
    assertEquals(expected.replace("\\n", "\n"), out.toString(StandardCharsets.UTF_8));
    decoder.write("2026-12-02T10:00:06.000000006Z stdout F five\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(expected.replace("\\n", "\n") + "five\n", out.toString(StandardCharsets.UTF_8), "followed lines pass at once");
  }

  /**
   * A line with no newline is as long as the live file: a tail holds at most MAX_HELD_BYTES of it
   * while it reads to the end (found in review: parallel tails of such a log filled the heap).
   */
  @Test
  void aTailHoldsABoundedNumberOfBytesHoweverLongTheLine() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CriLogDecoder decoder = new CriLogDecoder(out, Optional.empty(), false, OptionalInt.of(1));
    byte[] partial = ("2026-12-02T10:00:00.000000001Z stdout P " + "y".repeat(64 * 1024) + "\n")
        .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 200; i++) { // 12.8 MB of one line
      decoder.write(partial);
    }
    decoder.write("2026-12-02T10:00:01.000000001Z stdout F end\n".getBytes(StandardCharsets.UTF_8));
    decoder.caughtUp();
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.length() <= CriLogDecoder.MAX_HELD_BYTES, "printed " + printed.length() + " bytes");
    assertTrue(printed.endsWith("yyyyend\n"), "the end of the line is kept");
  }

  private static String decode(String records, Optional<Instant> since, boolean timestamps, OptionalInt tail) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CriLogDecoder decoder = new CriLogDecoder(out, since, timestamps, tail);
    decoder.write(records.getBytes(StandardCharsets.UTF_8));
    decoder.caughtUp();
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String decode(byte[] bytes, int piece) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CriLogDecoder decoder = new CriLogDecoder(out);
    for (int i = 0; i < bytes.length; i += piece) {
      decoder.write(bytes, i, Math.min(piece, bytes.length - i));
    }
    decoder.flush();
    return out.toString(StandardCharsets.UTF_8);
  }
}
