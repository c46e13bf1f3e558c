package dev.sandboxd.sandboxer;

import static dev.sandboxd.sandboxer.CriConfigs.NETNS;
import static dev.sandboxd.sandboxer.CriConfigs.config;
import static dev.sandboxd.sandboxer.CriConfigs.options;
import static dev.sandboxd.sandboxer.CriConfigs.withNamespaces;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.volume.FakeVolumeSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import runtime.v1.Api.NamespaceMode;
import runtime.v1.Api.PodSandboxConfig;

class CriPodFilesTest {
  @TempDir Path tmp;
  private FakeVolumeSystem mounts;
  private CriPodFiles files;

  @BeforeEach
  void hostFiles() throws IOException {
    CriFixture node = new CriFixture(tmp);
    mounts = node.mounts;
    files = node.files();
  }

  @Test
  void writesWhatContainerdsPodsandboxWritesWhereCriLooks() throws IOException {
    files.ensure(CriSandboxConfigs.parse("sb1", NETNS, options(config("web").build())).pod());

    Path dir = tmp.resolve("cri-root/sandboxes/sb1");
    assertEquals("web\n", Files.readString(dir.resolve("hostname")));
    assertEquals("127.0.0.1 localhost\n", Files.readString(dir.resolve("hosts")));
    assertEquals("search default.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
        Files.readString(dir.resolve("resolv.conf")));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("resolv.conf"))));
    Path shm = tmp.resolve("cri-state/sandboxes/sb1/shm");
    assertEquals("shm " + CriPodFiles.SHM_SIZE, mounts.mounted.get(shm));
  }

  @Test
  void withoutDnsConfigOrHostnameTheNodesAreCopied() throws IOException {
    PodSandboxConfig config = config("web").clearDnsConfig().setHostname("").build();
    files.ensure(CriSandboxConfigs.parse("sb1", NETNS, options(config)).pod());

    Path dir = tmp.resolve("cri-root/sandboxes/sb1");
    assertEquals("nameserver 192.0.2.53\n", Files.readString(dir.resolve("resolv.conf")));
    assertEquals("node-1\n", Files.readString(dir.resolve("hostname")));
  }

  @Test
  void hostIpcGetsNoShm() {
    files.ensure(CriSandboxConfigs.parse("sb1", NETNS, options(
        withNamespaces(config("web"), NamespaceMode.POD, NamespaceMode.POD, NamespaceMode.NODE).build())).pod());
    assertTrue(mounts.mounted.isEmpty());
  }

  @Test
  void whatContainerdDeletedIsWrittenAgainAndRemoveLeavesNothing() throws IOException {
    CriPodSandbox pod = CriSandboxConfigs.parse("sb1", NETNS, options(config("web").build())).pod();
    files.ensure(pod);
    // a containerd restart: it deletes both directories of a sandbox that is not its podsandbox's
    Path shm = tmp.resolve("cri-state/sandboxes/sb1/shm");
    mounts.unmountIfMounted(shm);
    deleteTree(tmp.resolve("cri-root/sandboxes/sb1"));
    deleteTree(tmp.resolve("cri-state/sandboxes/sb1"));

    files.ensure(pod);
    assertEquals("web\n", Files.readString(tmp.resolve("cri-root/sandboxes/sb1/hostname")));
    assertTrue(mounts.mounted.containsKey(shm));

    files.remove("sb1");
    files.remove("sb1");
    assertFalse(Files.exists(tmp.resolve("cri-root/sandboxes/sb1")));
    assertFalse(Files.exists(tmp.resolve("cri-state/sandboxes/sb1")));
    assertTrue(mounts.mounted.isEmpty());
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
