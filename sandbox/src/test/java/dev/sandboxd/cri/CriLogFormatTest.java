package dev.sandboxd.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CriLogFormatTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      full lines on both streams  | 2026-12-02T03:00:00.1Z stdout F a\\n2026-12-02T03:00:00.2Z stderr F b\\n | a\\nb\\n
      a partial line continued    | 2026-12-02T03:00:00.1Z stdout P ab\\n2026-12-02T03:00:00.2Z stdout F cd\\n | abcd\\n
      an empty full line          | 2026-12-02T03:00:00.1Z stdout F\\n                                      | \\n
      spaces kept in the text     | 2026-12-02T03:00:00.1Z stdout F 0:  x  y\\n                            | 0:  x  y\\n
      a line that is no record    | garbage line\\n                                                        | garbage line\\n
      """)
  void decodesRecords(String name, String log, String text) {
    assertEquals(unescape(text), CriLogFormat.text(unescape(log)));
  }

  private static String unescape(String s) {
    return s.replace("\\n", "\n");
  }
}
