package dev.sandboxd.image;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.system.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * containerd's hosts.toml layout ({@code config_path}: one directory per registry host, plus
 * {@code _default}) that a pull hands to containerd's resolver. The user's own directory is used
 * as it is; otherwise one is written from --registry-ca (trusted for every host) and
 * --registry-insecure (hosts reached over plain HTTP).
 */
public final class RegistryHosts {
  /** host[:port] as a registry is named in an image reference: also a directory name, never a path. */
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})?(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");

  private RegistryHosts() {}

  public static Optional<Path> directory(Optional<Path> userDir, Optional<Path> ca, List<String> insecure, Path generated) {
    if (userDir.isPresent()) {
      return userDir;
    }
    if (ca.isEmpty() && insecure.isEmpty()) {
      return Optional.empty();
    }
    for (String host : insecure) {
      if (!HOST.matcher(host).matches() || host.contains("..")) {
        throw SandboxdException.invalidArgument("registry-insecure: \"%s\" is not a registry host[:port]", host);
      }
    }
    try {
      // Written anew at every start: a host dropped from --registry-insecure (or a CA no longer
      // given) must not stay in effect through a file left by an earlier start.
      FileTrees.deleteRecursively(generated);
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
