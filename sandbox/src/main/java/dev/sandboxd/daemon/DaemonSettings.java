package dev.sandboxd.daemon;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * sandboxd's settings table, read from the {@link Setting} components of {@link DaemonConfig}:
 * the defaults, the YAML config file and the flags (registered with picocli from the same table).
 * Flags override the file, which overrides the defaults. Every value is parsed and checked where it
 * is read, so an error names the flag or the file and key, and the value.
 */
final class DaemonSettings {
  /** One row of the table: a component of DaemonConfig and its declaration. */
  record Entry(RecordComponent component, Setting setting) {
    /** The config file's key: the component's name. */
    String key() {
      return component.getName();
    }

    /** The flag: the key in kebab-case (restartBackoffMax: --restart-backoff-max). */
    String flag() {
      return "--" + key().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    Class<?> type() {
      return component.getType();
    }

    String label() {
      return setting.label().isEmpty() ? SettingTypes.label(type()) : setting.label();
    }

    /** The help line, with the default; picocli formats descriptions, hence the doubled %. */
    String description() {
      String shown = setting.defaultValue().isEmpty() ? "\"\"" : setting.defaultValue();
      return (setting.help() + " (default: " + shown + ")").replace("%", "%%");
    }

    /** The value of text, or InvalidArgument naming where it came from and the value. */
    Object parse(String where, String text) {
      Object value = SettingTypes.parse(type(), text).orElseThrow(() -> SandboxdException.invalidArgument(
          "%s: \"%s\" is not %s", where, text, SettingTypes.expected(type())));
      setting.check().problem(value).ifPresent(problem -> {
        throw SandboxdException.invalidArgument("%s: \"%s\" %s", where, text, problem);
      });
      return value;
    }
  }

  static final List<Entry> ALL = Arrays.stream(DaemonConfig.class.getRecordComponents())
      .map(c -> new Entry(c, Optional.ofNullable(c.getAnnotation(Setting.class)).orElseThrow(
          () -> new IllegalStateException("DaemonConfig." + c.getName() + " has no @Setting"))))
      .toList();

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private DaemonSettings() {}

  /**
   * The settings: defaults, then the file's values, then the flags' (by flag, e.g.
   * "--root"; see {@link #flagValues}).
   */
  static DaemonConfig load(Optional<Path> file, Map<String, String> flags) {
    Object[] values = new Object[ALL.size()];
    for (int i = 0; i < values.length; i++) {
      Entry e = ALL.get(i);
      values[i] = e.parse(e.key() + " (default)", e.setting().defaultValue());
    }
    file.ifPresent(f -> readFile(f).forEach((key, text) -> {
      int i = indexOf(e -> e.key().equals(key));
      values[i] = ALL.get(i).parse(f + ": " + key, text);
    }));
    flags.forEach((flag, text) -> {
      int i = indexOf(e -> e.flag().equals(flag));
      values[i] = ALL.get(i).parse(flag, text);
    });
    return construct(values);
  }

  /** One option per setting, its argument kept as text for {@link #load} to parse. */
  static void addOptions(CommandSpec spec) {
    for (Entry e : ALL) {
      spec.addOption(OptionSpec.builder(e.flag())
          .type(String.class)
          .arity("1")
          .paramLabel(e.label())
          .description(e.description())
          .build());
    }
  }

  /** The flags given on the command line parsed into spec, by flag. */
  static Map<String, String> flagValues(CommandSpec spec) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Entry e : ALL) {
      String value = spec.findOption(e.flag()).getValue();
      if (value != null) {
        out.put(e.flag(), value);
      }
    }
    return out;
  }

  /** The file's settings as text by key; a key that is no setting is an error naming it. */
  private static Map<String, String> readFile(Path file) {
    JsonNode tree;
    try {
      tree = YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw SandboxdException.invalidArgument("%s: %s", file, e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return out;
    }
    if (!tree.isObject()) {
      throw SandboxdException.invalidArgument("%s: want a mapping of setting: value", file);
    }
    for (Map.Entry<String, JsonNode> field : (Iterable<Map.Entry<String, JsonNode>>) tree::fields) {
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (ALL.stream().noneMatch(e -> e.key().equals(key))) {
        throw SandboxdException.invalidArgument("%s: unknown setting \"%s\" (settings are %s)", file, key,
            ALL.stream().map(Entry::key).collect(Collectors.joining(", ")));
      }
      if (value.isNull()) {
        continue; // "key:" with nothing after it: the default
      }
      if (!value.isValueNode()) {
        throw SandboxdException.invalidArgument("%s: %s: want one value, not %s", file, key, value);
      }
      out.put(key, value.asText());
    }
    return out;
  }

  private static int indexOf(Predicate<Entry> which) {
    for (int i = 0; i < ALL.size(); i++) {
      if (which.test(ALL.get(i))) {
        return i;
      }
    }
    throw new IllegalArgumentException("no such setting");
  }

  private static DaemonConfig construct(Object[] values) {
    try {
      Constructor<DaemonConfig> canonical =
          DaemonConfig.class.getDeclaredConstructor(ALL.stream().map(Entry::type).toArray(Class<?>[]::new));
      return canonical.newInstance(values);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("constructing DaemonConfig", e);
    }
  }
}
