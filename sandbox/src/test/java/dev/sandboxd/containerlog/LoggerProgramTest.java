package dev.sandboxd.containerlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped sandboxd-logger (hack/logger/logger.c) run as the shim runs it: the container's
 * stdout and stderr on fds 3 and 4, fd 5 closed when ready.
 */
class LoggerProgramTest {
  private static final LogRotation SMALL = new LogRotation(64 << 10, 3);

  @TempDir Path dir;

  @Test
  void aFloodLeavesAtMostMaxSizeTimesMaxFilesAndTheLatestLines() throws Exception {
    String stdout = IntStream.range(0, 100_000).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining());
    Path log = dir.resolve("logs/0.log");
    runLogger(log, stdout, "");

    try (Stream<Path> files = Files.list(log.getParent())) {
      List<Path> all = files.toList();
      assertEquals(Set.of("0.log", "0.log.1", "0.log.2"), all.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
      long total = 0;
      for (Path f : all) {
        assertTrue(Files.size(f) <= SMALL.maxSizeBytes(), f + " has " + Files.size(f) + " bytes");
        total += Files.size(f);
      }
      assertTrue(total > 2 * SMALL.maxSizeBytes(), "the rotated files are full: " + total);
    }
    String read = read(log);
    assertTrue(read.endsWith("line 99998\nline 99999\n"), read.substring(Math.max(0, read.length() - 100)));
    // What is kept is one unbroken stretch of the output, oldest file first.
    assertTrue(stdout.endsWith(read), "not a suffix of what the container wrote");
  }

  @Test
  void bothStreamsAreTaggedAndLongLinesComeBackWhole() throws Exception {
    String longLine = "x".repeat(40_000);
    Path log = dir.resolve("0.log");
    runLogger(log, "out\n" + longLine + "\nno newline at the end", "err\n");

    List<String> records = Files.readAllLines(log);
    assertTrue(records.stream().allMatch(r -> r.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (stdout|stderr) [FP] .*")),
        String.join("\n", records).substring(0, 300));
    assertTrue(records.stream().anyMatch(r -> r.endsWith(" stderr F err")));
    assertEquals(2, records.stream().filter(r -> r.contains(" stdout P ")).count(), "40000 bytes are two 16 KiB pieces and the rest");
    String read = read(log);
    // stderr's line may come between any two of stdout's lines, never inside one.
    assertTrue(read.matches("(?s)(.*\n)?err\n.*"), read.substring(0, 20));
    assertEquals("out\n" + longLine + "\nno newline at the end\n", read.replaceFirst("(?m)^err\n", ""), "stdout comes back as written");
  }

  @Test
  void badArgumentsAreRefused() throws Exception {
    Process p = new ProcessBuilder(installed().toString(), "path", "relative.log", "max-size", "1048576", "max-files", "3")
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue());
  }

  private Path installed() {
    ShimLoggerLogs.install(dir.resolve("bin"), SMALL);
    return dir.resolve("bin").resolve(ShimLoggerLogs.BINARY_NAME);
  }

  /** Runs the logger with these as the container's whole stdout and stderr, until both end. */
  private void runLogger(Path log, String stdout, String stderr) throws IOException, InterruptedException {
    Path binary = installed();
    Files.createDirectories(log.getParent());
    Path out = Files.writeString(dir.resolve("stdout.in"), stdout);
    Path err = Files.writeString(dir.resolve("stderr.in"), stderr);
    String uriArgs = "path " + log + " max-files " + SMALL.maxFiles() + " max-size " + SMALL.maxSizeBytes();
    Process p = new ProcessBuilder("bash", "-c", "exec 3<\"$1\" 4<\"$2\" 5>/dev/null; exec \"$0\" " + uriArgs,
        binary.toString(), out.toString(), err.toString())
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the logger ends when both streams end");
    assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private static String read(Path log) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ContainerLogReader().copy(log, out, LogOptions.all(false), () -> false);
    return out.toString(StandardCharsets.UTF_8);
  }
}
