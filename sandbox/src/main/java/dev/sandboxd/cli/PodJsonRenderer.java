package dev.sandboxd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A message as people expect Kubernetes JSON to look. protobuf's printer escapes '=' and '<' as
 * \\u003d and writes every number of a Struct (the pod spec) as a double ("30.0"); re-rendering
 * through Jackson undoes both. YAML is the same tree, as kubectl's {@code -o yaml} is its JSON's.
 */
final class PodJsonRenderer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = YAMLMapper.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build();

  private PodJsonRenderer() {}

  static String render(MessageOrBuilder message) throws InvalidProtocolBufferException {
    return render(message, OutputFormat.json);
  }

  /** The message as a JSON or YAML document. */
  static String render(MessageOrBuilder message, OutputFormat format) throws InvalidProtocolBufferException {
    return write(tree(message), format);
  }

  /** Several objects as Kubernetes lists them: {@code {apiVersion: v1, kind: List, items: [...]}}. */
  static String renderList(List<? extends MessageOrBuilder> items, OutputFormat format) throws InvalidProtocolBufferException {
    ObjectNode list = JsonNodeFactory.instance.objectNode();
    list.put("apiVersion", "v1");
    list.put("kind", "List");
    ArrayNode array = list.putArray("items");
    for (MessageOrBuilder item : items) {
      array.add(tree(item));
    }
    return write(list, format);
  }

  private static JsonNode tree(MessageOrBuilder message) throws InvalidProtocolBufferException {
    try {
      return integral(JSON.readTree(JsonFormat.printer().print(message)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("re-rendering JSON: " + e.getMessage(), e);
    }
  }

  private static String write(JsonNode tree, OutputFormat format) {
    try {
      return switch (format) {
        case json -> JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
        // Without the last newline: callers println every document alike.
        case yaml -> YAML.writeValueAsString(tree).stripTrailing();
        case text, wide -> throw new IllegalArgumentException("not a document format: " + format);
      };
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("rendering " + format + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode integral(JsonNode node) {
    if (node.isDouble() && node.doubleValue() == Math.rint(node.doubleValue()) && Math.abs(node.doubleValue()) < 1e15) {
      return JsonNodeFactory.instance.numberNode(node.longValue());
    }
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        field.setValue(integral(field.getValue()));
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        array.set(i, integral(array.get(i)));
      }
    }
    return node;
  }
}
