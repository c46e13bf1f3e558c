package dev.sandboxd.cli;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of HPACK (RFC 7541) a client needs that tells its peer to keep no dynamic table
 * (SETTINGS_HEADER_TABLE_SIZE 0): request headers as literals without indexing, and response
 * headers decoded against the static table alone. A reference to a dynamic entry is an error.
 */
final class Hpack {
  /** RFC 7541 Appendix A: the static table, index 1 first. */
  static final String[][] STATIC_TABLE = {
      {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
      {":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
      {":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
      {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
      {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""}, {"cache-control", ""},
      {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""}, {"content-length", ""},
      {"content-location", ""}, {"content-range", ""}, {"content-type", ""}, {"cookie", ""}, {"date", ""},
      {"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""}, {"if-match", ""},
      {"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""}, {"if-unmodified-since", ""},
      {"last-modified", ""}, {"link", ""}, {"location", ""}, {"max-forwards", ""}, {"proxy-authenticate", ""},
      {"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""}, {"retry-after", ""},
      {"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""}, {"transfer-encoding", ""},
      {"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""}};

  /** One header field. */
  record Header(String name, String value) {}

  private Hpack() {}

  /** A header block of literal fields without indexing, names and values as they are (no Huffman). */
  static byte[] encode(List<Header> headers) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Header h : headers) {
      out.write(0); // literal without indexing, new name
      writeString(out, h.name());
      writeString(out, h.value());
    }
    return out.toByteArray();
  }

  private static void writeString(ByteArrayOutputStream out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    writeInt(out, 0, 7, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  /** RFC 7541 5.1: an integer with an N-bit prefix, after the first byte's high bits. */
  private static void writeInt(ByteArrayOutputStream out, int highBits, int prefixBits, int value) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      out.write(highBits | value);
      return;
    }
    out.write(highBits | max);
    value -= max;
    while (value >= 0x80) {
      out.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  /** Decodes a whole header block; HpackException when it is not one this client can read. */
  static List<Header> decode(ByteBuffer block) {
    List<Header> headers = new ArrayList<>();
    while (block.hasRemaining()) {
      int first = block.get(block.position()) & 0xff;
      if ((first & 0x80) != 0) { // indexed field
        String[] entry = staticEntry(readInt(block, 7));
        headers.add(new Header(entry[0], entry[1]));
      } else if ((first & 0xe0) == 0x20) { // dynamic table size update: only to 0 is expected
        if (readInt(block, 5) != 0) {
          throw new HpackException("a dynamic table was asked for, though this client allows none");
        }
      } else {
        // literal with incremental indexing (01), without (0000) or never indexed (0001): with a
        // table of size 0 all three are just a field
        int nameIndex = readInt(block, (first & 0x40) != 0 ? 6 : 4);
        String name = nameIndex == 0 ? readString(block) : staticEntry(nameIndex)[0];
        headers.add(new Header(name, readString(block)));
      }
    }
    return headers;
  }

  private static String[] staticEntry(int index) {
    if (index < 1 || index > STATIC_TABLE.length) {
      throw new HpackException("header table index " + index + " is not in the static table");
    }
    return STATIC_TABLE[index - 1];
  }

  private static int readInt(ByteBuffer in, int prefixBits) {
    int max = (1 << prefixBits) - 1;
    long value = in.get() & max;
    if (value < max) {
      return (int) value;
    }
    for (int shift = 0; shift <= 28; shift += 7) {
      if (!in.hasRemaining()) {
        break;
      }
      int b = in.get() & 0xff;
      value += (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (value > Integer.MAX_VALUE) {
          break;
        }
        return (int) value;
      }
    }
    throw new HpackException("an integer too large or cut off");
  }

  private static String readString(ByteBuffer in) {
    boolean huffman = (in.get(in.position()) & 0x80) != 0;
    int length = readInt(in, 7);
    if (length > in.remaining()) {
      throw new HpackException("a header string runs past its block");
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return huffman ? Huffman.decode(bytes) : new String(bytes, StandardCharsets.ISO_8859_1);
  }

  /**
   * RFC 7541 Appendix B's code. grpc-java's server (Netty's encoder) only uses it for strings of
   * 512 characters and more, i.e. a long grpc-message; the code table is taken from the Netty inside
   * grpc-netty-shaded, already on the class path, when the first such string comes.
   */
  private static final class Huffman {
    private static Map<Long, Integer> symbols;

    static String decode(byte[] bytes) {
      Map<Long, Integer> table = table();
      ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length * 2);
      long code = 0;
      int bits = 0;
      for (byte b : bytes) {
        for (int i = 7; i >= 0; i--) {
          code = (code << 1) | ((b >> i) & 1);
          bits++;
          Integer symbol = table.get(((long) bits << 32) | code);
          if (symbol != null) {
            if (symbol == 256) {
              throw new HpackException("EOS inside a Huffman-coded header");
            }
            out.write(symbol);
            code = 0;
            bits = 0;
          } else if (bits > 30) {
            throw new HpackException("not a Huffman code");
          }
        }
      }
      if (bits > 7 || code != (1L << bits) - 1) { // padding: a prefix of EOS (all ones), under a byte
        throw new HpackException("bad padding after a Huffman-coded header");
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static synchronized Map<Long, Integer> table() {
      if (symbols == null) {
        symbols = symbols();
      }
      return symbols;
    }

    private static Map<Long, Integer> symbols() {
      try {
        Class<?> util = Class.forName("io.grpc.netty.shaded.io.netty.handler.codec.http2.HpackUtil");
        Field codesField = util.getDeclaredField("HUFFMAN_CODES");
        Field lengthsField = util.getDeclaredField("HUFFMAN_CODE_LENGTHS");
        codesField.setAccessible(true);
        lengthsField.setAccessible(true);
        int[] codes = (int[]) codesField.get(null);
        byte[] lengths = (byte[]) lengthsField.get(null);
        Map<Long, Integer> symbols = new HashMap<>();
        for (int symbol = 0; symbol < codes.length; symbol++) {
          symbols.put(((long) lengths[symbol] << 32) | (codes[symbol] & 0xffffffffL), symbol);
        }
        return symbols;
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new HpackException("no Huffman code table on the class path: " + e);
      }
    }
  }

  /** A header block this client cannot read. */
  static final class HpackException extends UnaryExchange.ProtocolError {
    HpackException(String message) {
      super("headers: " + message);
    }
  }
}
