package dev.sandboxd.containerlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShimLoggerLogsTest {
  @TempDir Path dir;

  @Test
  void theUriNamesTheLoggerAndPassesItsSettingsEscaped() {
    ShimLoggerLogs logs = new ShimLoggerLogs(Path.of("/var/lib/sandboxd/bin/sandboxd-logger"), new LogRotation(1 << 20, 3));
    assertEquals("binary:///var/lib/sandboxd/bin/sandboxd-logger?path=%2Fpods%2Fuid%2Flogs%2Fa%20b%2B%26c%2F0.log"
            + "&max-size=1048576&max-files=3",
        logs.uri(Path.of("/pods/uid/logs/a b+&c/0.log")));
  }

  @Test
  void installWritesAnExecutableLoggerOnce() throws Exception {
    ShimLoggerLogs.install(dir.resolve("bin"), LogRotation.KUBELET_DEFAULTS);
    Path binary = dir.resolve("bin").resolve(ShimLoggerLogs.BINARY_NAME);
    assertTrue(Files.isExecutable(binary));
    long inode = (Long) Files.getAttribute(binary, "unix:ino");
    ShimLoggerLogs.install(dir.resolve("bin"), LogRotation.KUBELET_DEFAULTS);
    assertEquals(inode, (Long) Files.getAttribute(binary, "unix:ino"), "an up-to-date logger is left alone");
  }

  @Test
  void aNewRunKeepsThePreviousRunsLogAndDropsOlderOnes() throws Exception {
    Path logs = dir.resolve("logs/c");
    Files.createDirectories(logs);
    for (String f : List.of("0.log", "0.log.1", "1.log", "2.log", "2.log.1", "2.log.2", "notes.txt")) {
      Files.writeString(logs.resolve(f), "x");
    }
    new ShimLoggerLogs(dir.resolve("bin/sandboxd-logger"), LogRotation.KUBELET_DEFAULTS).prepare(logs.resolve("3.log"));

    try (Stream<Path> left = Files.list(logs)) {
      assertEquals(Set.of("2.log", "2.log.1", "2.log.2", "notes.txt"),
          left.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
    }
  }

  @Test
  void prepareMakesTheDirectory() {
    Path log = dir.resolve("pods/uid/logs/c/0.log");
    new ShimLoggerLogs(dir.resolve("bin/sandboxd-logger"), LogRotation.KUBELET_DEFAULTS).prepare(log);
    assertTrue(Files.isDirectory(log.getParent()));
    assertFalse(Files.exists(log), "the logger makes the file");
  }

  @Test
  void rotationSettingsAreCheckedAndNamed() {
    SandboxdException size = assertThrows(SandboxdException.InvalidArgument.class, () -> new LogRotation(1000, 5));
    assertTrue(size.getMessage().startsWith("container-log-max-size:"), size.getMessage());
    SandboxdException files = assertThrows(SandboxdException.InvalidArgument.class, () -> new LogRotation(1 << 20, 1));
    assertTrue(files.getMessage().startsWith("container-log-max-files:"), files.getMessage());
  }
}
