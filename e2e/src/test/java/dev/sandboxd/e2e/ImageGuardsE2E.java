package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.image.PauseImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image imports are bounded, the pause image cannot be replaced or removed, images can be removed. */
class ImageGuardsE2E {
  private static Node node;
  @TempDir Path tmp;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("images", "--image-max-unpacked-size", "16Mi");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** 64 MiB of zeros in a gzip layer of some 64 KB: refused by name of the limit, and nothing of it stays. */
  @Test
  void anArchiveUnpackingPastTheLimitIsRefusedAndLeavesNothing() throws Exception {
    OciTestArchive.Built bomb = OciTestArchive.zeros("localhost/e2e/zeros:1", 64);
    assertTrue(bomb.tar().length < 1 << 20, "archive of " + bomb.tar().length + " bytes");
    String snapshotsBefore = node.ctr("snapshots", "ls").stdout();

    Node.Cli r = node.sandboxctl("image", "import", write(bomb.tar()).toString());

    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("limit of 16777216 bytes (image-max-unpacked-size)"), r.err());
    assertFalse(node.ctr("images", "ls", "-q").stdout().contains("zeros"));
    assertEquals(snapshotsBefore, node.ctr("snapshots", "ls").stdout());
    String content = node.ctr("content", "ls", "-q").stdout();
    for (String digest : List.of(bomb.layerDigest(), bomb.configDigest(), bomb.manifestDigest())) {
      assertFalse(content.contains(digest), digest + " was left in the content store");
    }
  }

  @Test
  void anArchiveNamingThePauseImageIsRefusedAndPodsStillStart() throws Exception {
    String pause = PauseImage.embeddedReference();
    OciTestArchive.Built impostor = OciTestArchive.busybox(Node.REPO.resolve(".cache/root/bin/busybox"), pause, "impostor", "x");
    Node.Cli r = node.sandboxctl("image", "import", write(impostor.tar()).toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(pause) && r.err().contains("pause image"), r.err());
    assertEquals(1, node.sandboxctl("image", "rm", pause).code());

    // Past sandboxd, straight into containerd: the next pod gets the embedded pause image back.
    Path file = write(impostor.tar());
    node.ctr("images", "import", "--no-unpack", file.toString());
    assertTrue(node.ctr("images", "ls").stdout().contains(impostor.manifestDigest()));
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: after-impostor}
        spec:
          containers:
          - {name: app, image: %s, command: [sleep, '3600']}
        """.formatted(Node.BUSYBOX));
    node.waitFor("after-impostor", p -> p.getStatus().getPhase().equals("Running"));
    node.removeForce("after-impostor");
    assertFalse(node.ctr("images", "ls").stdout().contains(impostor.manifestDigest()));
  }

  @Test
  void imageRmRemovesAnImage() throws Exception {
    OciTestArchive.Built other = OciTestArchive.busybox(Node.REPO.resolve(".cache/root/bin/busybox"), "localhost/e2e/removable:1", "f", "y");
    assertEquals(0, node.sandboxctl("image", "import", write(other.tar()).toString()).code());
    Node.Cli rm = node.sandboxctl("image", "rm", "localhost/e2e/removable:1");
    assertEquals(0, rm.code(), rm.err());
    assertFalse(node.sandboxctl("image", "ls").out().contains("localhost/e2e/removable:1"));
    Node.Cli again = node.sandboxctl("image", "rm", "localhost/e2e/removable:1");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("localhost/e2e/removable:1"), again.err());
  }

  private Path write(byte[] tar) throws Exception {
    return Files.write(Files.createTempFile(tmp, "image", ".tar"), tar);
  }
}
