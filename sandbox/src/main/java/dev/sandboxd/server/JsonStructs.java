package dev.sandboxd.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Map;

/**
 * Jackson's JSON tree to protobuf's Struct, node by node, as protobuf's JsonFormat parser would
 * read the same JSON text (numbers become doubles). Done directly: every InspectPod and ListPods
 * answer carries a pod spec, and printing it to text for JsonFormat (and Gson under it) to parse
 * again cost CPU per call and ~80 classes that stay loaded.
 */
final class JsonStructs {
  private JsonStructs() {}

  static Struct struct(JsonNode object) {
    Struct.Builder out = Struct.newBuilder();
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      out.putFields(field.getKey(), value(field.getValue()));
    }
    return out.build();
  }

  static Value value(JsonNode node) {
    return switch (node.getNodeType()) {
      case OBJECT, POJO -> Value.newBuilder().setStructValue(struct(node)).build();
      case ARRAY -> {
        ListValue.Builder list = ListValue.newBuilder();
        node.forEach(element -> list.addValues(value(element)));
        yield Value.newBuilder().setListValue(list).build();
      }
      case STRING, BINARY -> Value.newBuilder().setStringValue(node.asText()).build();
      case NUMBER -> Value.newBuilder().setNumberValue(node.asDouble()).build();
      case BOOLEAN -> Value.newBuilder().setBoolValue(node.booleanValue()).build();
      case NULL, MISSING -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    };
  }
}
