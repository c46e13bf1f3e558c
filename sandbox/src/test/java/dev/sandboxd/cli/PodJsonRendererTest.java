package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.sandboxd.api.v1.ObjectMeta;
import dev.sandboxd.api.v1.Pod;
import org.junit.jupiter.api.Test;

class PodJsonRendererTest {

  @Test
  void specNumbersStayIntegersAndShellTextIsNotEscaped() throws Exception {
    Pod pod = Pod.newBuilder()
        .setApiVersion("v1")
        .setKind("Pod")
        .setMetadata(ObjectMeta.newBuilder().setName("p"))
        .setSpec(Struct.newBuilder()
            .putFields("terminationGracePeriodSeconds", Value.newBuilder().setNumberValue(30).build())
            .putFields("ratio", Value.newBuilder().setNumberValue(0.5).build())
            .putFields("args", Value.newBuilder().setStringValue("i=0; a<b").build()))
        .build();

    String json = PodJsonRenderer.render(pod);

    assertFalse(json.contains("\\u003d"), json);
    assertTrue(json.contains("\"i=0; a<b\""), json);
    JsonNode tree = new ObjectMapper().readTree(json);
    assertTrue(tree.at("/spec/terminationGracePeriodSeconds").isIntegralNumber(), json);
    assertEquals(30, tree.at("/spec/terminationGracePeriodSeconds").asInt());
    assertEquals(0.5, tree.at("/spec/ratio").asDouble());
    assertEquals("p", tree.at("/metadata/name").asText());
  }
}
