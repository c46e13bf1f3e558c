package dev.sandboxd.network;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Pins with util-linux: {@code unshare --net=FILE true} makes the namespace in a child process and
 * bind-mounts it onto FILE (in a JVM, unshare(2) would change only the calling thread, and only
 * until the thread ends), {@code umount} releases it. The bind mount lives in sandboxd's mount
 * namespace, as containerd's do in its own.
 */
public final class UnshareNetnsPins implements NetnsPins {
  private static final long TIMEOUT_SECONDS = 30;

  @Override
  public void create(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.createFile(file);
    } catch (IOException e) {
      throw SandboxdException.internal("creating netns file " + file + ": " + e.getMessage(), e);
    }
    try {
      run(List.of("unshare", "--net=" + file, "true"));
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  @Override
  public void remove(Path file) {
    if (!Files.exists(file)) {
      return;
    }
    if (mounted(file)) {
      run(List.of("umount", file.toString()));
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw SandboxdException.internal("removing netns file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Whether file is a mount point (a pin), from this process's mount table. */
  private static boolean mounted(Path file) {
    String target = " " + file.toAbsolutePath() + " ";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
        // mountinfo: id parent major:minor root mountpoint ... (spaces escaped as \040)
        String[] f = line.split(" ");
        if (f.length > 4 && (" " + f[4] + " ").equals(target)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return true; // let umount tell
    }
  }

  private static void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readNBytes(8192);
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw SandboxdException.internal(String.join(" ", cmd) + " did not finish within " + TIMEOUT_SECONDS + " s", null);
      }
      if (p.exitValue() != 0) {
        throw SandboxdException.internal(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8).strip(),
            null);
      }
    } catch (IOException e) {
      throw SandboxdException.internal(String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SandboxdException.unavailable("interrupted: " + String.join(" ", cmd), e);
    }
  }
}
