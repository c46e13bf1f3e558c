package dev.sandboxd.containerlog;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.system.PrivateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Container logs written by sandboxd-logger (hack/logger/logger.c, shipped in the jar): the
 * shim starts it per task through a {@code binary://} stdout URI and it rotates the run's log
 * itself. The shim, not sandboxd, holds the container's pipes, so logging goes on while
 * sandboxd restarts, and no JVM thread or memory is spent per container.
 *
 * <p>A container's directory keeps the current run's log and the previous run's (kubelet keeps
 * the last dead container's too); older runs are deleted when a new run starts, so a crash-looping
 * container stays within two runs' worth of logs.
 */
public final class ShimLoggerLogs implements ContainerLogs {
  static final String BINARY_NAME = "sandboxd-logger";
  private static final Pattern RUN_FILE = Pattern.compile("([0-9]{1,9})\\.log(\\.[0-9]+)?");

  private final Path binary;
  private final LogRotation rotation;

  ShimLoggerLogs(Path binary, LogRotation rotation) {
    this.binary = binary;
    this.rotation = rotation;
  }

  /**
   * Writes the embedded logger to binDir (replacing an older one atomically: the loggers of
   * running containers keep the file they started from) and returns logs that use it.
   */
  public static ShimLoggerLogs install(Path binDir, LogRotation rotation) {
    Path target = binDir.resolve(BINARY_NAME);
    try (InputStream in = ShimLoggerLogs.class.getResourceAsStream(BINARY_NAME)) {
      if (in == null) {
        throw SandboxdException.internal("the jar has no " + BINARY_NAME + " (built by hack/build-logger)", null);
      }
      byte[] program = in.readAllBytes();
      // Only root (the shim) runs it: nothing under sandboxd's root is for other users.
      PrivateFiles.directory(binDir, PrivateFiles.DIRECTORY);
      if (!Files.isRegularFile(target) || !Arrays.equals(program, Files.readAllBytes(target))) {
        Path tmp = binDir.resolve(BINARY_NAME + ".tmp");
        Files.write(tmp, program);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw SandboxdException.internal("installing " + target + ": " + e.getMessage(), e);
    }
    return new ShimLoggerLogs(target, rotation);
  }

  @Override
  public String prepare(Path logFile) {
    try {
      // Logs hold whatever a container prints: for root alone (the logger makes each file 0600).
      PrivateFiles.directories(logFile.getParent());
      deleteOlderRuns(logFile);
    } catch (IOException e) {
      throw SandboxdException.internal("preparing the log directory " + logFile.getParent() + ": " + e.getMessage(), e);
    }
    return uri(logFile);
  }

  /**
   * binary://BINARY?path=..&max-size=..&max-files=..: the shim passes each query pair to the
   * binary as two arguments (in no fixed order) and decodes percent escapes first.
   */
  String uri(Path logFile) {
    return "binary://" + escape(binary.toString(), true)
        + "?path=" + escape(logFile.toString(), false)
        + "&max-size=" + rotation.maxSizeBytes()
        + "&max-files=" + rotation.maxFiles();
  }

  private static String escape(String s, boolean keepSlashes) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlashes && c == '/');
      if (plain) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /** Deletes the files of every run before the previous one of logFile's run. */
  static void deleteOlderRuns(Path logFile) throws IOException {
    OptionalInt current = run(logFile.getFileName().toString());
    if (current.isEmpty()) {
      return;
    }
    int previous = -1;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(logFile.getParent())) {
      for (Path f : files) {
        OptionalInt n = run(f.getFileName().toString());
        if (n.isPresent() && n.getAsInt() < current.getAsInt()) {
          previous = Math.max(previous, n.getAsInt());
        }
      }
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(logFile.getParent())) {
      for (Path f : files) {
        OptionalInt n = run(f.getFileName().toString());
        if (n.isPresent() && n.getAsInt() < previous) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  private static OptionalInt run(String fileName) {
    Matcher m = RUN_FILE.matcher(fileName);
    return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }
}
