package dev.sandboxd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import org.junit.jupiter.api.Test;

class JsonStructsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aTreeBecomesTheStructJsonFormatReadsFromItsText() throws Exception {
    String json = """
        {"containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"],
          "ports": [{"containerPort": 8080, "protocol": "TCP"}], "stdin": false, "tty": true,
          "resources": {"limits": {"cpu": "250m"}, "requests": {}}}],
         "terminationGracePeriodSeconds": 30, "ratio": 0.25, "big": 9007199254740993,
         "nodeName": null, "empty": [], "labels": {"a/b": "ü ✓"}}
        """;
    Struct.Builder parsed = Struct.newBuilder();
    JsonFormat.parser().merge(json, parsed);

    assertEquals(parsed.build(), JsonStructs.struct(JSON.readTree(json)));
  }
}
