package dev.sandboxd.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantityTest {

  @ParameterizedTest(name = "{0} -> value {1}, milli {2}")
  @CsvSource({
    "0,                 0,                   0",
    "-0,                0,                   0",
    "000123,            123,                 123000",
    "1,                 1,                   1000",
    "+1,                1,                   1000",
    "-1,                -1,                  -1000",
    "100m,              1,                   100",
    "1500m,             2,                   1500",
    "0.5,               1,                   500",
    ".5,                1,                   500",
    "1.,                1,                   1000",
    "12e-1,             2,                   1200",
    "5n,                1,                   1",
    "-5n,               -1,                  -1",
    "0.1n,              1,                   1",
    "1u,                1,                   1",
    "1.0000000001,      2,                   1001",
    "1k,                1000,                1000000",
    "1M,                1000000,             1000000000",
    "1G,                1000000000,          1000000000000",
    "1.G,               1000000000,          1000000000000",
    "1T,                1000000000000,       1000000000000000",
    "2P,                2000000000000000,    2000000000000000000",
    "1e3,               1000,                1000000",
    "1E3,               1000,                1000000",
    "1e+3,              1000,                1000000",
    "1.5e-3,            1,                   2",
    "1Ki,               1024,                1024000",
    "128Mi,             134217728,           134217728000",
    "1.5Gi,             1610612736,          1610612736000",
    "0.5Mi,             524288,              524288000",
    "100.035Ki,         102436,              102435840",
    "1Ti,               1099511627776,       1099511627776000",
    "1Pi,               1125899906842624,    1125899906842624000",
  })
  void parsesAsKubernetesDoes(String text, long value, long milliValue) {
    Quantity q = Quantity.parse(text);
    assertEquals(value, q.value(), "value");
    assertEquals(milliValue, q.milliValue(), "milliValue");
    assertEquals(text, q.original());
  }

  @ParameterizedTest(name = "{0} -> value {1}")
  @CsvSource({
    "1E,      1000000000000000000",
    "1Ei,     1152921504606846976",
    "8Ei,     9223372036854775807", // binary quantities are capped at 2^63-1, as in Kubernetes
    "-8Ei,    -9223372036854775807",
    "1e18,    1000000000000000000",
  })
  void largeValues(String text, long value) {
    assertEquals(value, Quantity.parse(text).value());
  }

  @ParameterizedTest(name = "\"{0}\" is rejected")
  @CsvSource({
    "''",
    "' 1'",
    "'1 '",
    "1.2.3",
    "12MB",
    "1Mi1",
    "--1",
    "1e",
    "1e+",
    "-3.01e-",
    "e3",
    "Ki",
    "+",
    ".",
    "1KiB",
    "1K",
    "1ki",
    "0.1mi",
    "0.1am",
    ".5i",
    "1i",
    "1+1.0M",
    "1e3k",
    "1e1.5",
    "0x10",
    "1_000",
    "aoeu",
    "１",
    "1e99999999999",
  })
  void rejectsGarbage(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantity.parse(text));
    assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
  }

  @Test
  void explainsTheSuffix() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantity.parse("12MB"));
    assertEquals(
        "invalid quantity \"12MB\": unknown suffix \"MB\" (want one of n u m k M G T P E Ki Mi Gi Ti Pi Ei or an"
            + " exponent like e3)",
        e.getMessage());
  }

  @Test
  void overflowingIntegersThrow() {
    assertThrows(ArithmeticException.class, () -> Quantity.parse("1E").milliValue());
    assertThrows(ArithmeticException.class, () -> Quantity.parse("10E").value());
    assertThrows(ArithmeticException.class, () -> Quantity.parse("-10E").value());
  }

  @Test
  void extremeExponentsStayCheap() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () -> {
          assertThrows(ArithmeticException.class, () -> Quantity.parse("1e2000000000").value());
          assertEquals(1, Quantity.parse("1e-2000000000").value());
          assertEquals(1, Quantity.parse("1e-2000000000").milliValue());
          assertEquals(0, Quantity.parse("0e-2000000000").value());
        });
  }

  /** Found by QuantityFuzzTest: a zero with a huge scale made toPlainString() write two billion digits. */
  @Test
  void fuzzRegressionZeroWithAHugeScaleIsPlainZero() {
    assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
      Quantity q = Quantity.parse("-0E-2124783649");
      assertEquals("0", q.amount().toPlainString());
      assertEquals(Quantity.parse("0"), q);
      assertEquals("-0E-2124783649", q.original());
    });
  }

  /** Found by QuantityFuzzTest: the milli view of a near-int-limit exponent failed as BigDecimal's "Overflow". */
  @Test
  void fuzzRegressionMilliValueOfAHugeExponentSaysItDoesNotFit() {
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> Quantity.parse("100E2147483647").milliValue());
    assertEquals("quantity does not fit in a 64-bit integer", e.getMessage());
  }

  /** Found by QuantityFuzzTest: hashCode() threw ArithmeticException ("Overflow") for a near-int-limit exponent. */
  @Test
  void fuzzRegressionHashCodeOfAHugeExponent() {
    assertEquals(Quantity.parse("100e2147483647").hashCode(), Quantity.parse("1000e2147483646").hashCode());
  }

  @Test
  void equalityIsByAmount() {
    assertEquals(Quantity.parse("1k"), Quantity.parse("1000"));
    assertEquals(Quantity.parse("1k").hashCode(), Quantity.parse("1000.000").hashCode());
    assertEquals(Quantity.parse("1Ki"), Quantity.parse("1024"));
    assertNotEquals(Quantity.parse("1k"), Quantity.parse("1Ki"));
  }
}
