package dev.sandboxd.containerlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
