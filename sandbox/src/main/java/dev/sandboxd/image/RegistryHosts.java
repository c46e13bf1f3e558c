package dev.sandboxd.image;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * containerd's hosts.toml layout ({@code config_path}: one directory per registry host, plus
 * {@code _default}) that a pull hands to containerd's resolver. The user's own directory is used
 * as it is; otherwise one is written from --registry-ca (trusted for every host) and
 * --registry-insecure (hosts reached over plain HTTP).
 */
public final class RegistryHosts {
  private RegistryHosts() {}

  public static Optional<Path> directory(Optional<Path> userDir, Optional<Path> ca, List<String> insecure, Path generated) {
    if (userDir.isPresent()) {
      return userDir;
    }
    if (ca.isEmpty() && insecure.isEmpty()) {
      return Optional.empty();
    }
    try {
      Files.createDirectories(generated);
      if (ca.isPresent()) {
        write(generated.resolve("_default"), "ca = " + toml(ca.get().toAbsolutePath().toString()) + "\n");
      }
      for (String host : insecure) {
        write(generated.resolve(host), "server = " + toml("http://" + host) + "\n\n[host." + toml("http://" + host)
            + "]\n  capabilities = [\"pull\", \"resolve\"]\n");
      }
      return Optional.of(generated);
    } catch (IOException e) {
      throw SandboxdException.internal("writing registry hosts to " + generated + ": " + e.getMessage(), e);
    }
  }

  private static void write(Path dir, String hostsToml) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("hosts.toml"), hostsToml);
  }

  private static String toml(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
