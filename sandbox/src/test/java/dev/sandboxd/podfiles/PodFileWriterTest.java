package dev.sandboxd.podfiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.pod.Pod;
import dev.sandboxd.spec.EtcFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodFileWriterTest {
  @TempDir Path root;

  private PodFileWriter writer(Optional<Path> resolvConf) {
    return new PodFileWriter(root.resolve("pods"), PodFileContentsTest.NO_CLUSTER_DNS, root.resolve("hosts"), resolvConf);
  }

  @Test
  void writesTheThreeFilesUnderThePodsDirectoryReadableByAll() throws Exception {
    Path resolv = Files.writeString(root.resolve("resolv.conf"), "nameserver 192.0.2.53\n");
    Pod pod = PodFileContentsTest.pod("dnsPolicy: Default");
    PodFileWriter.Written written = writer(Optional.of(resolv)).write(pod, Optional.of("10.88.0.5"), false);

    Path dir = root.resolve("pods/uid-1/etc");
    assertEquals(new EtcFiles(Optional.of(dir.resolve("hostname").toString()), Optional.of(dir.resolve("hosts").toString()),
        Optional.of(dir.resolve("resolv.conf").toString())), written.files());
    assertEquals(written.files(), writer(Optional.of(resolv)).files(pod));
    assertEquals("web-0\n", Files.readString(dir.resolve("hostname")));
    assertEquals(PodFileContentsTest.LOCALHOST + "10.88.0.5\tweb-0\n", Files.readString(dir.resolve("hosts")));
    assertEquals("nameserver 192.0.2.53\n", Files.readString(dir.resolve("resolv.conf")));
    for (String f : List.of("hostname", "hosts", "resolv.conf")) {
      assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))), f);
    }
    assertEquals(List.of(), written.warnings());
    try (var files = Files.list(dir)) {
      assertEquals(3, files.count(), "no temporary file left");
    }
  }

  @Test
  void aRewriteReplacesTheFilesAndSaysWhatIsMissing() throws Exception {
    Pod pod = PodFileContentsTest.pod("");
    PodFileWriter writer = writer(Optional.of(root.resolve("missing-resolv.conf")));
    writer.write(pod, Optional.empty(), false);
    PodFileWriter.Written again = writer.write(pod, Optional.of("10.88.0.6"), false);

    assertTrue(Files.readString(root.resolve("pods/uid-1/etc/hosts")).endsWith("10.88.0.6\tweb-0\n"));
    // a missing node resolv.conf is an empty one, copied as it is
    assertEquals("", Files.readString(root.resolve("pods/uid-1/etc/resolv.conf")));
    assertEquals(List.of(PodFileContentsTest.MISSING), again.warnings());
  }

  @Test
  void aHostNetworkPodGetsTheNodesHostsFile() throws Exception {
    Files.writeString(root.resolve("hosts"), "192.0.2.1\tnode-1\n");
    writer(Optional.empty()).write(PodFileContentsTest.pod(""), Optional.empty(), true);
    assertEquals("# Kubernetes-managed hosts file (host network).\n192.0.2.1\tnode-1\n",
        Files.readString(root.resolve("pods/uid-1/etc/hosts")));
    assertFalse(Files.exists(root.resolve("pods/uid-1/etc/hosts.tmp")));
  }
}
