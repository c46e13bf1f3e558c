package dev.sandboxd.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sandboxd.fuzz.Fuzzer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes quantities, each property for {@link Fuzzer#perProperty()}: parsing fails only with
 * IllegalArgumentException, what parses reads back the same from its own text and from its
 * amount written out, and the integer views are exact or refuse, never wrap around.
 */
class QuantityFuzzTest {
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  @Test
  void parsesOrRefusesAndRoundTrips() {
    Fuzzer.fuzz(new QuantityMutations(), QuantityFuzzTest::roundTrips);
  }

  private static void roundTrips(String text) {
    Quantity q;
    try {
      q = Quantity.parse(text);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("invalid quantity \""), e::getMessage);
      return;
    } catch (RuntimeException | Error e) {
      fail(e + " parsing " + text, e);
      return;
    }
    assertEquals(q, Quantity.parse(q.original()), text);
    assertEquals(q.hashCode(), Quantity.parse(q.original()).hashCode(), text);
    BigDecimal amount = q.amount();
    // Written out, plain and scientific ("1.5E+3"), the amount reads back as itself; past 10^40
    // the plain form is only long, not wrong, and past 10^(2^31) no exponent can say it.
    long magnitude = (long) amount.precision() - amount.scale();
    if (magnitude < 40) {
      assertEquals(q, Quantity.parse(amount.toPlainString()), () -> text + " as " + amount.toPlainString());
    }
    if (Math.abs(magnitude) < Integer.MAX_VALUE / 2) {
      assertEquals(q, Quantity.parse(amount.toString()), () -> text + " as " + amount);
    }
    assertExactOrRefused(() -> q.value(), amount, text);
    if (magnitude < Integer.MAX_VALUE / 2) { // else BigDecimal itself cannot scale it; milliValue must refuse
      assertExactOrRefused(() -> q.milliValue(), amount.scaleByPowerOfTen(3), text);
    } else {
      assertExactOrRefused(() -> q.milliValue(), amount.signum() == 0 ? BigDecimal.ZERO : BigDecimal.TEN.pow(20), text);
    }
  }

  /** The view is the amount rounded away from zero when that fits a long, else an ArithmeticException. */
  private static void assertExactOrRefused(java.util.function.LongSupplier view, BigDecimal exact, String text) {
    BigInteger expected = exact.signum() != 0 && (long) exact.precision() - exact.scale() > 20
        ? BigInteger.TEN.pow(20) // too large for a long; set it out cheaply
        : exact.setScale(0, RoundingMode.UP).toBigInteger();
    boolean fits = expected.compareTo(LONG_MIN) >= 0 && expected.compareTo(LONG_MAX) <= 0;
    try {
      long got = view.getAsLong();
      assertTrue(fits, () -> text + " gave " + got + " for " + expected + ", which does not fit a long");
      assertEquals(expected.longValueExact(), got, text);
    } catch (ArithmeticException e) {
      assertTrue(!fits, () -> text + " refused " + expected + ", which fits a long");
      assertEquals("quantity does not fit in a 64-bit integer", e.getMessage(), text);
    }
  }

  /** Valid quantities edited character by character, suffix by suffix, exponent by exponent. */
  static final class QuantityMutations implements Fuzzer.Mutator<String, QuantityMutations.Edit> {
    enum Kind { INSERT, DELETE, SUFFIX, EXPONENT, REPEAT_DIGITS, SIGN }

    record Edit(Kind kind, int position, int choice) {}

    private static final String CHARACTERS = "0123456789.+-eEKMGTPEmnuik \u0000\u0660\uff11i";
    private static final List<String> SUFFIXES = List.of("", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi",
        "Gi", "Ti", "Pi", "Ei", "ki", "KI", "mi", "B", "e", "E+", "e-");
    private static final List<String> EXPONENTS = List.of("2147483647", "-2147483648", "2147483648", "-2147483649",
        "999999999999", "+5", "-0", "18", "-9", "-10", "19", "20", "-30");

    @Override
    public List<String> seeds() {
      return List.of("100m", "128Mi", "1.5e3", "0", "1Ei", "8Ei", "9223372036854775807", "0.5", ".5", "5.", "1n",
          "-1", "+2Gi", "1E+18", "0.000000001", "123456789012345678901234567890");
    }

    @Override
    public Edit edit(Random random) {
      Kind[] kinds = Kind.values();
      return new Edit(kinds[random.nextInt(kinds.length)], random.nextInt(64), random.nextInt(1 << 16));
    }

    @Override
    public String apply(String q, Edit e) {
      int at = e.position() % (q.length() + 1);
      int digitsEnd = 0;
      while (digitsEnd < q.length() && "+-.0123456789".indexOf(q.charAt(digitsEnd)) >= 0) {
        digitsEnd++;
      }
      return switch (e.kind()) {
        case INSERT -> q.substring(0, at) + CHARACTERS.charAt(e.choice() % CHARACTERS.length()) + q.substring(at);
        case DELETE -> q.isEmpty() ? q : q.substring(0, Math.min(at, q.length() - 1)) + q.substring(Math.min(at, q.length() - 1) + 1);
        case SUFFIX -> q.substring(0, digitsEnd) + SUFFIXES.get(e.choice() % SUFFIXES.size());
        case EXPONENT -> q.substring(0, digitsEnd) + (e.choice() % 2 == 0 ? "e" : "E") + EXPONENTS.get(e.choice() % EXPONENTS.size());
        case REPEAT_DIGITS -> q.substring(0, digitsEnd) + "9".repeat(1 + e.choice() % 40) + q.substring(digitsEnd);
        case SIGN -> (e.choice() % 2 == 0 ? "-" : "+") + q;
      };
    }
  }
}
