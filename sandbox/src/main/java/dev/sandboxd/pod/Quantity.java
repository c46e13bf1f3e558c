package dev.sandboxd.pod;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;

/**
 * A Kubernetes resource quantity ("100m", "128Mi", "1.5e3"), parsed as
 * k8s.io/apimachinery/pkg/api/resource.ParseQuantity does:
 *
 * <pre>
 * quantity ::= [+-] number suffix
 * number   ::= digits | digits "." digits | digits "." | "." digits
 * suffix   ::= "" | n u m k M G T P E | Ki Mi Gi Ti Pi Ei | (e|E) [+-] digits
 * </pre>
 *
 * The amount is exact down to nano; finer non-zero amounts round away from zero to the next
 * nano (so "0.1n" is 1n), and binary-suffixed amounts are capped at 2^63-1, both as in
 * Kubernetes. Unlike the Go scanner, a number must have at least one digit: Go quietly reads
 * "e3", "Ki", "+" and "." as zero, which is never what the writer meant.
 */
public final class Quantity {

  private static final int NANO_SCALE = 9;
  private static final BigDecimal MAX_BINARY = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final Map<String, Integer> DECIMAL_SUFFIXES =
      Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
  private static final Map<String, Integer> BINARY_SUFFIXES =
      Map.of("Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);

  private final BigDecimal amount;
  private final String original;

  private Quantity(BigDecimal amount, String original) {
    this.amount = amount;
    this.original = original;
  }

  /**
   * Parses a quantity.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text}
   */
  public static Quantity parse(String text) {
    if (text.isEmpty()) {
      throw invalid(text, "it is empty");
    }
    int pos = 0;
    boolean negative = false;
    char first = text.charAt(0);
    if (first == '+' || first == '-') {
      negative = first == '-';
      pos++;
    }
    int integerStart = pos;
    pos = skipDigits(text, pos);
    String integerDigits = text.substring(integerStart, pos);
    String fractionDigits = "";
    if (pos < text.length() && text.charAt(pos) == '.') {
      int fractionStart = ++pos;
      pos = skipDigits(text, pos);
      fractionDigits = text.substring(fractionStart, pos);
    }
    if (integerDigits.isEmpty() && fractionDigits.isEmpty()) {
      throw invalid(text, "it does not start with a number");
    }
    String suffix = text.substring(pos);
    BigInteger unscaled = new BigInteger(integerDigits + fractionDigits);
    if (negative) {
      unscaled = unscaled.negate();
    }
    BigDecimal amount;
    boolean binary = BINARY_SUFFIXES.containsKey(suffix);
    if (binary) {
      amount = new BigDecimal(unscaled.shiftLeft(BINARY_SUFFIXES.get(suffix)), fractionDigits.length());
    } else {
      long scale = (long) fractionDigits.length() - decimalExponent(text, suffix);
      if (scale != (int) scale) {
        throw invalid(text, "the exponent is out of range");
      }
      amount = new BigDecimal(unscaled, (int) scale);
    }
    amount = roundUpToNano(amount);
    if (binary && amount.abs().compareTo(MAX_BINARY) > 0) {
      amount = amount.signum() < 0 ? MAX_BINARY.negate() : MAX_BINARY;
    }
    return new Quantity(amount, text);
  }

  private static int skipDigits(String text, int pos) {
    while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
      pos++;
    }
    return pos;
  }

  /** The power of ten a decimal suffix stands for; kept within int so BigDecimal scales fit. */
  private static int decimalExponent(String text, String suffix) {
    Integer si = DECIMAL_SUFFIXES.get(suffix);
    if (si != null) {
      return si;
    }
    if (suffix.length() > 1 && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E')) {
      String exponent = suffix.substring(1);
      int digitsStart = exponent.charAt(0) == '+' || exponent.charAt(0) == '-' ? 1 : 0;
      if (digitsStart < exponent.length() && skipDigits(exponent, digitsStart) == exponent.length()) {
        try {
          return Integer.parseInt(exponent);
        } catch (NumberFormatException e) {
          throw invalid(text, "the exponent is out of range");
        }
      }
    }
    throw invalid(
        text,
        "unknown suffix \"" + suffix + "\" (want one of n u m k M G T P E Ki Mi Gi Ti Pi Ei or an exponent like e3)");
  }

  /** Kubernetes keeps nano precision and rounds a finer non-zero amount away from zero. */
  private static BigDecimal roundUpToNano(BigDecimal amount) {
    if (amount.signum() == 0) {
      // "0e-2000000000" is zero with a scale of two billion: written out plain it has as many digits
      return BigDecimal.ZERO;
    }
    if (amount.scale() <= NANO_SCALE) {
      return amount;
    }
    // Below 1n (most significant digit right of the 9th decimal) the result is one nano; checking
    // first avoids dividing by 10^(huge) for inputs like "1e-2000000000".
    if (amount.precision() - amount.scale() <= -NANO_SCALE) {
      return BigDecimal.valueOf(amount.signum(), NANO_SCALE);
    }
    return amount.setScale(NANO_SCALE, RoundingMode.UP);
  }

  private static IllegalArgumentException invalid(String text, String reason) {
    return new IllegalArgumentException("invalid quantity \"" + text + "\": " + reason);
  }

  /** The exact amount (after Kubernetes' rounding to nano and binary capping). */
  public BigDecimal amount() {
    return amount;
  }

  /**
   * The amount rounded up (away from zero) to an integer, as Kubernetes' Value().
   *
   * @throws ArithmeticException if it does not fit in a long
   */
  public long value() {
    return scaledUp(amount, 0);
  }

  /**
   * Thousand times the amount rounded up (away from zero), as Kubernetes' MilliValue().
   *
   * @throws ArithmeticException if it does not fit in a long
   */
  public long milliValue() {
    return scaledUp(amount, 3);
  }

  /** {@code value} × 10^{@code powerOfTen}, rounded up. */
  private static long scaledUp(BigDecimal value, int powerOfTen) {
    // 19 integer digits is the most a long has; bail out before rounding materialises 10^huge.
    // In long arithmetic: a scale near the int limits would overflow (BigDecimal's own "Overflow").
    if (value.signum() != 0 && (long) value.precision() - value.scale() + powerOfTen > 19) {
      throw new ArithmeticException("quantity does not fit in a 64-bit integer");
    }
    try {
      return value.scaleByPowerOfTen(powerOfTen).setScale(0, RoundingMode.UP).longValueExact();
    } catch (ArithmeticException e) {
      throw new ArithmeticException("quantity does not fit in a 64-bit integer");
    }
  }

  /** -1, 0 or 1 as the amount is negative, zero or positive. */
  public int signum() {
    return amount.signum();
  }

  /** The text as written in the manifest. */
  public String original() {
    return original;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Quantity q && amount.compareTo(q.amount) == 0;
  }

  @Override
  public int hashCode() {
    // Equal amounts have equal doubles; stripTrailingZeros() would overflow on a scale near the int limit.
    return Double.hashCode(amount.doubleValue());
  }

  @Override
  public String toString() {
    return original;
  }
}
