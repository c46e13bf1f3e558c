package dev.sandboxd.containerlog;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Turns CRI log records ("<time> <stream> <F|P> <text>\n") back into the container's output:
 * the text of each record, followed by a newline when the record ends a line (F), not when it
 * is a piece of a longer line (P). Records may arrive split at any byte.
 */
final class CriLogDecoder extends FilterOutputStream {
  private static final int TEXT = 3;

  /** Which field the next byte belongs to: 0 time, 1 stream, 2 tag, 3 text. */
  private int field;
  private boolean fullLine;
  private boolean tagSeen;

  CriLogDecoder(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    int end = off + len;
    int i = off;
    while (i < end) {
      if (field == TEXT) {
        int start = i;
        while (i < end && b[i] != '\n') {
          i++;
        }
        out.write(b, start, i - start);
        if (i < end) {
          if (fullLine) {
            out.write('\n');
          }
          field = 0;
          tagSeen = false;
          i++;
        }
        continue;
      }
      byte c = b[i++];
      if (c == '\n') {
        // A record without text: an empty line when its tag says so.
        if (field == 2 && tagSeen && fullLine) {
          out.write('\n');
        }
        field = 0;
        tagSeen = false;
      } else if (c == ' ') {
        field++;
      } else if (field == 2 && !tagSeen) {
        fullLine = c == 'F';
        tagSeen = true;
      }
    }
  }
}
