package dev.sandboxd.pod;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxd.errdefs.SandboxdException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One mapping of a manifest, read field by field with its path, so that every error names the
 * field (`spec.containers[1].name: ...`). Fields outside its {@link FieldSet} are dealt with when
 * it is opened. Null and missing fields read as absent, as Go's JSON decoding treats them.
 */
final class ManifestObject {

  static final int MAX_STRING_CHARS = 64 * 1024;
  private static final int MAX_QUOTED_CHARS = 80;

  private final String path;
  private final JsonNode node;
  private final FieldSet fields;
  private final ManifestContext context;

  private ManifestObject(String path, JsonNode node, FieldSet fields, ManifestContext context) {
    this.path = path;
    this.node = node;
    this.fields = fields;
    this.context = context;
  }

  /** Opens a mapping, refusing or reporting the fields it does not accept, in document order. */
  static ManifestObject open(String path, JsonNode node, FieldSet fields, ManifestContext context) {
    if (!node.isObject()) {
      throw invalid(path, "must be a mapping");
    }
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String field = requireNoNul(path, entry.getKey());
      JsonNode value = entry.getValue();
      String reason = fields.refused().get(field);
      if (reason != null && !value.isNull()) {
        throw invalid(child(path, field), reason);
      }
      // An unknown field set to null, "", {} or [] asks for nothing (kubectl writes `resources: {}`).
      if (reason == null && !fields.accepted().contains(field) && !asksForNothing(value)) {
        context.unknownField(child(path, field));
      }
    }
    return new ManifestObject(path, node, fields, context);
  }

  /** A mapping's key, which error messages name; a NUL in it is refused before it gets there. */
  private static String requireNoNul(String path, String key) {
    if (key.indexOf('\0') >= 0) {
      throw invalid(path, "keys must not contain a NUL character");
    }
    return key;
  }

  private static boolean asksForNothing(JsonNode value) {
    return value.isNull()
        || value.isContainerNode() && value.isEmpty()
        || value.isTextual() && value.textValue().isEmpty();
  }

  static String child(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  /** An input error naming the field; made {@link #printable} as a whole, field names included. */
  static SandboxdException.InvalidArgument invalid(String path, String message) {
    return SandboxdException.invalidArgument("%s", printable((path.isEmpty() ? "manifest" : path) + ": " + message));
  }

  /** A value for an error message: quoted, and cut short so a huge input cannot flood the message. */
  static String quote(String value) {
    String shown = value.length() > MAX_QUOTED_CHARS ? value.substring(0, MAX_QUOTED_CHARS) + "..." : value;
    return '"' + printable(shown) + '"';
  }

  /**
   * The text with control, format and line-separator characters escaped ("\n", "\u001b"), so a
   * message quoting the manifest stays one line and cannot steer the terminal or log showing it.
   * Applying it twice changes nothing more.
   */
  static String printable(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.chars().forEach(c -> {
      switch (c) {
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> {
          int type = Character.getType(c);
          boolean invisible = Character.isISOControl(c) || type == Character.FORMAT
              || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
          out.append(invisible ? String.format("\\u%04x", c) : String.valueOf((char) c));
        }
      }
    });
    return out.toString();
  }

  String path() {
    return path;
  }

  String path(String field) {
    return child(path, field);
  }

  private Optional<JsonNode> value(String field) {
    if (!fields.accepted().contains(field)) {
      throw new IllegalStateException("field " + field + " read but not in the accepted set of " + path);
    }
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
  }

  /** A string field; "" reads as absent, as Kubernetes defaults empty strings. */
  Optional<String> string(String field) {
    return value(field).map(v -> checkedString(path(field), v, "must be a string")).filter(s -> !s.isEmpty());
  }

  /** A string field that must be one of {@code allowed} when set. */
  Optional<String> oneOf(String field, String... allowed) {
    Optional<String> value = string(field);
    if (value.isPresent() && !List.of(allowed).contains(value.get())) {
      throw invalid(path(field), "must be one of " + String.join(", ", allowed) + "; is " + quote(value.get()));
    }
    return value;
  }

  /** A field value Kubernetes refuses but sandboxd can run: an error, unless lenient. */
  void beyondKubernetes(String field, String error, String warning) {
    context.beyondKubernetes(path(field), error, warning);
  }

  String requiredString(String field) {
    return string(field).orElseThrow(() -> invalid(path(field), "required"));
  }

  Optional<Long> integer(String field, long min, long max) {
    return value(field).map(v -> checkedInteger(path(field), v, min, max));
  }

  /** An int-or-string field (a port number or a port's name), as text. */
  Optional<String> intOrString(String field) {
    return value(field).map(v -> v.isIntegralNumber() ? v.asText() : checkedString(path(field), v, "must be an integer or a string"));
  }

  Optional<Boolean> bool(String field) {
    return value(field)
        .map(
            v -> {
              if (!v.isBoolean()) {
                throw invalid(path(field), "must be a boolean");
              }
              return v.booleanValue();
            });
  }

  /** A quantity field ("128Mi"); numbers are taken as written, as Kubernetes does. */
  Optional<Quantity> quantity(String field) {
    return value(field).map(v -> parseQuantity(path(field), v));
  }

  private static Quantity parseQuantity(String path, JsonNode v) {
    if (!v.isTextual() && !v.isNumber()) {
      throw invalid(path, "must be a quantity such as \"128Mi\"");
    }
    try {
      return Quantity.parse(v.asText());
    } catch (IllegalArgumentException e) {
      throw invalid(path, e.getMessage());
    }
  }

  Optional<ManifestObject> object(String field, FieldSet objectFields) {
    return value(field).map(v -> open(path(field), v, objectFields, context));
  }

  /** A list of mappings, each opened with {@code itemFields}; at most {@code max} items. */
  List<ManifestObject> objects(String field, FieldSet itemFields, int max) {
    List<ManifestObject> items = new ArrayList<>();
    for (JsonNode item : list(field, max, "must be a list")) {
      items.add(open(path(field) + "[" + items.size() + "]", item, itemFields, context));
    }
    return items;
  }

  List<String> strings(String field) {
    List<String> strings = new ArrayList<>();
    for (JsonNode item : list(field, Integer.MAX_VALUE, "must be a list of strings")) {
      if (!item.isTextual()) {
        throw invalid(path(field), "must be a list of strings");
      }
      strings.add(checkedString(path(field) + "[" + strings.size() + "]", item, "must be a list of strings"));
    }
    return strings;
  }

  List<Long> integers(String field, long min, long max) {
    List<Long> integers = new ArrayList<>();
    for (JsonNode item : list(field, Integer.MAX_VALUE, "must be a list of integers")) {
      integers.add(checkedInteger(path(field) + "[" + integers.size() + "]", item, min, max));
    }
    return integers;
  }

  /** A mapping of names to quantities, in document order; entries are named path[name] in errors. */
  Map<String, Quantity> quantityMap(String field) {
    Map<String, Quantity> map = new LinkedHashMap<>();
    Optional<JsonNode> value = value(field);
    if (value.isEmpty()) {
      return map;
    }
    if (!value.get().isObject()) {
      throw invalid(path(field), "must be a mapping of resource names to quantities");
    }
    for (Map.Entry<String, JsonNode> entry : value.get().properties()) {
      String key = requireNoNul(path(field), entry.getKey());
      map.put(key, parseQuantity(path(field) + "[" + key + "]", entry.getValue()));
    }
    return map;
  }

  /** A field that is known but not supported here: an error, unless lenient (then a warning). */
  void unsupported(String path, String reason) {
    context.unsupported(path, reason);
  }

  /** A mapping of strings to strings, in document order; a null value reads as "". */
  Map<String, String> stringMap(String field) {
    Map<String, String> map = new LinkedHashMap<>();
    Optional<JsonNode> value = value(field);
    if (value.isEmpty()) {
      return map;
    }
    if (!value.get().isObject()) {
      throw invalid(path(field), "must be a mapping of strings to strings");
    }
    for (Map.Entry<String, JsonNode> entry : value.get().properties()) {
      String entryPath = path(field) + "[" + requireNoNul(path(field), entry.getKey()) + "]";
      JsonNode v = entry.getValue();
      map.put(entry.getKey(), v.isNull() ? "" : checkedString(entryPath, v, "must be a string"));
    }
    return map;
  }

  private List<JsonNode> list(String field, int max, String typeError) {
    Optional<JsonNode> value = value(field);
    if (value.isEmpty()) {
      return List.of();
    }
    if (!value.get().isArray()) {
      throw invalid(path(field), typeError);
    }
    if (value.get().size() > max) {
      throw invalid(path(field), "must have at most " + max + " items, has " + value.get().size());
    }
    List<JsonNode> items = new ArrayList<>();
    value.get().elements().forEachRemaining(items::add);
    return items;
  }

  /**
   * Every string of a manifest passes here. A NUL is refused in all of them: none can carry one
   * to where they go (argv and environ, paths, hostnames, containerd labels, JSON for runc).
   */
  private static String checkedString(String path, JsonNode value, String typeError) {
    if (!value.isTextual()) {
      throw invalid(path, typeError);
    }
    if (value.textValue().length() > MAX_STRING_CHARS) {
      throw invalid(path, "must be at most " + MAX_STRING_CHARS + " characters long");
    }
    if (value.textValue().indexOf('\0') >= 0) {
      throw invalid(path, "must not contain a NUL character");
    }
    return value.textValue();
  }

  private static long checkedInteger(String path, JsonNode value, long min, long max) {
    if (!value.isIntegralNumber()) {
      throw invalid(path, "must be an integer");
    }
    if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
      throw invalid(path, "must be between " + min + " and " + max + ", is " + value.asText());
    }
    return value.longValue();
  }
}
