package dev.sandboxd.containerd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerd.services.content.v1.ContentOuterClass.WriteAction;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GrpcContentStoreTest {
  private final FakeContentService service = new FakeContentService();

  @Test
  void writesInChunksThenCommitsWithLabels() throws Exception {
    byte[] data = randomBytes(GrpcContentStore.CHUNK_SIZE * 2 + 123);
    Descriptor expected = new Descriptor("", FakeContentService.sha256(data), data.length);
    try (InProcessContainerd containerd = new InProcessContainerd(service)) {
      boolean written =
          containerd.connection.content().writeBlob("ref-1", new ByteArrayInputStream(data), expected, Map.of("a", "b"));
      assertTrue(written);
      assertArrayEquals(data, service.blobs.get(expected.digest()));
      assertEquals(Map.of("a", "b"), service.labels.get(expected.digest()));
      assertEquals(
          List.of(WriteAction.STAT, WriteAction.WRITE, WriteAction.WRITE, WriteAction.WRITE, WriteAction.COMMIT),
          service.actions);
    }
  }

  @Test
  void existingBlobIsSkippedUnread() throws Exception {
    byte[] data = randomBytes(100);
    String digest = FakeContentService.sha256(data);
    service.blobs.put(digest, data);
    ByteArrayInputStream in = new ByteArrayInputStream(data);
    try (InProcessContainerd containerd = new InProcessContainerd(service)) {
      assertFalse(containerd.connection.content().writeBlob("ref", in, new Descriptor("", digest, 100), Map.of()));
      assertEquals(100, in.available());
    }
  }

  @Test
  void wrongDigestFailsAndAbortsTheIngest() throws Exception {
    byte[] data = randomBytes(100);
    Descriptor claimed = new Descriptor("", "sha256:" + "0".repeat(64), 100);
    try (InProcessContainerd containerd = new InProcessContainerd(service)) {
      SandboxdException e =
          assertThrows(
              SandboxdException.class,
              () -> containerd.connection.content().writeBlob("ref-x", new ByteArrayInputStream(data), claimed, Map.of()));
      assertInstanceOf(SandboxdException.FailedPrecondition.class, e);
      assertTrue(e.getMessage().startsWith("containerd: write blob sha256:000"), e.getMessage());
      assertEquals(List.of("ref-x"), service.aborted);
      assertTrue(service.blobs.isEmpty());
    }
  }

  @Test
  void shortInputFailsAndAbortsTheIngest() throws Exception {
    byte[] data = randomBytes(100);
    Descriptor expected = new Descriptor("", FakeContentService.sha256(data), 100);
    try (InProcessContainerd containerd = new InProcessContainerd(service)) {
      assertThrows(
          EOFException.class,
          () ->
              containerd.connection.content()
                  .writeBlob("ref-y", new ByteArrayInputStream(Arrays.copyOf(data, 60)), expected, Map.of()));
      assertEquals(List.of("ref-y"), service.aborted);
      assertTrue(service.ingests.isEmpty());
    }
  }

  @Test
  void resumesAfterTheDataAnEarlierWriteLeft() throws Exception {
    byte[] data = randomBytes(300);
    ByteArrayOutputStream partial = new ByteArrayOutputStream();
    partial.write(data, 0, 120);
    service.ingests.put("ref-z", partial);
    Descriptor expected = new Descriptor("", FakeContentService.sha256(data), 300);
    try (InProcessContainerd containerd = new InProcessContainerd(service)) {
      assertTrue(containerd.connection.content().writeBlob("ref-z", new ByteArrayInputStream(data), expected, Map.of()));
      assertArrayEquals(data, service.blobs.get(expected.digest()));
    }
  }

  @Test
  void readsBlobsUpToALimit() throws Exception {
    byte[] data = randomBytes(2500);
    String digest = FakeContentService.sha256(data);
    service.blobs.put(digest, data);
    try (InProcessContainerd containerd = new InProcessContainerd(service)) {
      assertArrayEquals(data, containerd.connection.content().readBlob(digest, 2500));
      assertInstanceOf(
          SandboxdException.ResourceExhausted.class,
          assertThrows(SandboxdException.class, () -> containerd.connection.content().readBlob(digest, 2000)));
      assertInstanceOf(
          SandboxdException.NotFound.class,
          assertThrows(
              SandboxdException.class, () -> containerd.connection.content().readBlob("sha256:" + "1".repeat(64), 10)));
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }
}
