package dev.sandboxd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DaemonConfigTest {
  @TempDir Path dir;

  @Test
  void flagsOverrideTheFileWhichOverridesTheDefaults() throws Exception {
    Path file = dir.resolve("sandboxd.yaml");
    Files.writeString(file, "root: /srv/sandboxd\nnamespace: from-file\n");
    Sandboxd daemon = new Sandboxd();
    new CommandLine(daemon).parseArgs("--config", file.toString(), "--namespace", "from-flag");

    DaemonConfig cfg = daemon.effectiveConfig();

    assertEquals("from-flag", cfg.namespace());
    assertEquals("/srv/sandboxd", cfg.root());
    assertEquals(DaemonConfig.DEFAULTS.containerdAddress(), cfg.containerdAddress());
  }

  @Test
  void anUnknownKeyInTheFileIsNamed() throws Exception {
    Path file = dir.resolve("sandboxd.yaml");
    Files.writeString(file, "rootDir: /srv\n");
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class, () -> DaemonConfig.read(file));
    assertTrue(e.getMessage().contains("rootDir"), e.getMessage());
  }

  @Test
  void backOffDurationsParseAndMustBeOrdered() {
    DaemonConfig quick = DaemonConfig.DEFAULTS.overriddenBy(new DaemonConfig(null, null, null, null, null, null, null, "500ms", "2s", null, null, null, null, null)).validated();
    assertEquals(500, quick.restartBackoffInitialMillis());
    assertEquals(2000, quick.restartBackoffMaxMillis());
    assertEquals(300_000, DaemonConfig.DEFAULTS.restartBackoffMaxMillis());
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> DaemonConfig.DEFAULTS.overriddenBy(new DaemonConfig(null, null, null, null, null, null, null, "10 s", null, null, null, null, null, null)).validated());
    assertTrue(e.getMessage().startsWith("restart-backoff:"), e.getMessage());
    assertThrows(SandboxdException.InvalidArgument.class,
        () -> DaemonConfig.DEFAULTS.overriddenBy(new DaemonConfig(null, null, null, null, null, null, null, "5m", "1m", null, null, null, null, null)).validated());
  }

  @Test
  void relativePathsAndBadNamespacesAreRefused() {
    assertThrows(SandboxdException.InvalidArgument.class,
        () -> DaemonConfig.DEFAULTS.overriddenBy(new DaemonConfig(null, null, "relative", null, null, null, null, null, null, null, null, null, null, null)).validated());
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> DaemonConfig.DEFAULTS.overriddenBy(new DaemonConfig(null, null, null, null, "bad ns", null, null, null, null, null, null, null, null, null)).validated());
    assertTrue(e.getMessage().startsWith("namespace:"), e.getMessage());
    assertThrows(SandboxdException.InvalidArgument.class,
        () -> DaemonConfig.DEFAULTS.overriddenBy(new DaemonConfig(null, null, null, null, null, null, "/a/../b", null, null, null, null, null, null, null)).validated());
  }

  @Test
  void theManifestDirIsOffByDefaultAndMustBeAbsolute() throws Exception {
    assertEquals("", DaemonConfig.DEFAULTS.validated().manifestDir());
    Path file = dir.resolve("sandboxd.yaml");
    Files.writeString(file, "manifestDir: /etc/sandboxd/pods\n");
    assertEquals("/etc/sandboxd/pods", DaemonConfig.read(file).validated().manifestDir());

    Sandboxd daemon = new Sandboxd();
    new CommandLine(daemon).parseArgs("--manifest-dir", "pods");
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class, daemon::effectiveConfig);
    assertTrue(e.getMessage().startsWith("manifest-dir:"), e.getMessage());
  }

  @Test
  void metricsAddressIsHostPortOrEmpty() {
    assertEquals("127.0.0.1:9450", DaemonConfig.DEFAULTS.metricsAddress());
    assertEquals("", DaemonConfig.DEFAULTS.overriddenBy(new DaemonConfig(null, null, null, null, null, null, null, null, null, null, null, null, "", null)).validated().metricsAddress());
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> DaemonConfig.DEFAULTS.overriddenBy(new DaemonConfig(null, null, null, null, null, null, null, null, null, null, null, null, "9450", null)).validated());
    assertTrue(e.getMessage().startsWith("metrics-address:"), e.getMessage());
  }

  @Test
  void imageMaxUnpackedSizeIsAQuantity() {
    assertEquals(10L << 30, DaemonConfig.DEFAULTS.validated().imageMaxUnpackedBytes());
    assertEquals(500L << 20, DaemonConfig.DEFAULTS.overriddenBy(
        new DaemonConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, "500Mi")).validated().imageMaxUnpackedBytes());
    for (String bad : new String[] {"0", "-1Gi", "lots"}) {
      SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class, () -> DaemonConfig.DEFAULTS.overriddenBy(
          new DaemonConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, bad)).validated());
      assertTrue(e.getMessage().startsWith("image-max-unpacked-size:"), e.getMessage());
    }
  }
}
