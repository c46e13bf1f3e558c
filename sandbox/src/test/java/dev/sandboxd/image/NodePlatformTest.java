package dev.sandboxd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NodePlatformTest {
  @Test
  void architecturesAreSaidInOciTerms() {
    assertEquals("amd64", NodePlatform.ociArchitecture("amd64"));
    assertEquals("amd64", NodePlatform.ociArchitecture("x86_64"));
    assertEquals("arm64", NodePlatform.ociArchitecture("aarch64"));
    assertEquals("386", NodePlatform.ociArchitecture("x86"));
    assertEquals("s390x", NodePlatform.ociArchitecture("s390x"));
  }
}
