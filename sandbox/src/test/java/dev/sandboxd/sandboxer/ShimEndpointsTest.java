package dev.sandboxd.sandboxer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ShimEndpointsTest {
  private final ShimEndpoints endpoints = new ShimEndpoints(Path.of("/nonexistent"));

  @Test
  void bootstrapJsonBecomesTheAddressCriTakes() throws IOException {
    assertEquals(Optional.of(new ShimEndpoints.Endpoint("ttrpc+unix:///run/containerd/s/ab12", 3)), endpoints.parse(
        "{\"version\":3,\"address\":\"unix:///run/containerd/s/ab12\",\"protocol\":\"ttrpc\"}".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void noBootstrapNoEndpoint() throws IOException {
    assertEquals(Optional.empty(), endpoints.of("k8s.io", "sb1"));
    assertEquals(Optional.empty(), endpoints.parse("{\"version\":3}".getBytes(StandardCharsets.UTF_8)));
  }
}
