package dev.sandboxd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.Iterator;
import java.util.Map;

/**
 * A message as people expect Kubernetes JSON to look. protobuf's printer escapes '=' and '<' as
 * \\u003d and writes every number of a Struct (the pod spec) as a double ("30.0"); re-rendering
 * through Jackson undoes both.
 */
final class PodJsonRenderer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PodJsonRenderer() {}

  static String render(MessageOrBuilder message) throws InvalidProtocolBufferException {
    try {
      JsonNode tree = JSON.readTree(JsonFormat.printer().print(message));
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(integral(tree));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("re-rendering JSON: " + e.getMessage(), e);
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
