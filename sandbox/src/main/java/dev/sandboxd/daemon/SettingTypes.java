package dev.sandboxd.daemon;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How a setting's text (a flag's argument, a config file's scalar) becomes the typed value of its
 * {@link DaemonConfig} component. A setting of a new type needs an entry here.
 */
final class SettingTypes {
  /** A parser: the value, or empty when the text is not one ({@link #expected} says what is). */
  private record Type(String label, String expected, Function<String, Optional<Object>> parse) {}

  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m)");

  private static final Map<Class<?>, Type> TYPES = Map.of(
      String.class, new Type("VALUE", "text", Optional::of),
      long.class, new Type("N", "a whole number", SettingTypes::parseLong),
      Duration.class, new Type("DURATION", "a duration such as 500ms, 10s or 5m", SettingTypes::parseDuration));

  private SettingTypes() {}

  /** The value of text for a setting of this type; empty when it is not one. */
  static Optional<Object> parse(Class<?> type, String text) {
    if (type.isEnum()) {
      return Arrays.stream(type.getEnumConstants()).filter(c -> ((Enum<?>) c).name().equals(text)).findFirst().map(c -> c);
    }
    return type(type).parse().apply(text);
  }

  /** What a value of this type looks like, for error messages. */
  static String expected(Class<?> type) {
    return type.isEnum() ? "one of " + constants(type, ", ") : type(type).expected();
  }

  /** The placeholder --help shows for a value of this type. */
  static String label(Class<?> type) {
    return type.isEnum() ? constants(type, "|") : type(type).label();
  }

  private static Type type(Class<?> type) {
    Type t = TYPES.get(type);
    if (t == null) {
      throw new IllegalStateException("no parser for settings of type " + type.getName() + ": add one to SettingTypes");
    }
    return t;
  }

  private static String constants(Class<?> type, String separator) {
    return Arrays.stream(type.getEnumConstants()).map(c -> ((Enum<?>) c).name()).collect(Collectors.joining(separator));
  }

  private static Optional<Object> parseLong(String text) {
    try {
      return Optional.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** A positive duration in ms, s or m. */
  private static Optional<Object> parseDuration(String text) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    return Optional.of(switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      default -> Duration.ofMinutes(n);
    });
  }
}
