package dev.sandboxd.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.containerd.Transfers.Credential;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Registry logins from Docker {@code config.json}-style files: the node's (--registry-config)
 * and a pod's imagePullSecrets, each a file of that shape named after the secret in
 * --image-pull-secrets-dir. Files are read at every pull, so fixing one needs no restart; a
 * file others may read is refused (it holds passwords). A pod's secrets win over the node's.
 */
public final class RegistryCredentials {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<PosixFilePermission> OTHERS = Set.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE);

  private final Optional<Path> nodeConfig;
  private final Optional<Path> secretsDir;

  public RegistryCredentials(Optional<Path> nodeConfig, Optional<Path> secretsDir) {
    this.nodeConfig = nodeConfig;
    this.secretsDir = secretsDir;
  }

  /** The login for host: the first pull secret that has one, else the node's config. */
  public Optional<Credential> forHost(String host, List<String> pullSecrets) {
    List<Path> files = new ArrayList<>();
    for (String secret : pullSecrets) {
      Path dir = secretsDir.orElseThrow(() -> SandboxdException.failedPrecondition(
          "imagePullSecrets name %s but sandboxd has no --image-pull-secrets-dir", secret));
      files.add(dir.resolve(secret));
    }
    nodeConfig.ifPresent(files::add);
    for (Path file : files) {
      Optional<Credential> found = lookup(read(file), host, file);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static JsonNode read(Path file) {
    try {
      if (!Files.exists(file)) {
        throw SandboxdException.failedPrecondition("registry credentials %s do not exist", file);
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (mode.stream().anyMatch(OTHERS::contains)) {
        throw SandboxdException.failedPrecondition(
            "registry credentials %s may be read or written by others than its owner: chmod 600 it", file);
      }
      return JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw SandboxdException.failedPrecondition("registry credentials %s are unreadable: %s", file, e.getMessage());
    }
  }

  /** The entry of auths whose key names host (with or without scheme and path, as docker writes them). */
  static Optional<Credential> lookup(JsonNode config, String host, Path file) {
    JsonNode auths = config.path("auths");
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (hostOf(e.getKey()).equals(host) || (host.equals("docker.io") && hostOf(e.getKey()).equals("index.docker.io"))) {
        return Optional.of(credential(e.getValue(), host, file));
      }
    }
    return Optional.empty();
  }

  private static String hostOf(String key) {
    String k = key.replaceFirst("^[a-zA-Z]+://", "");
    int slash = k.indexOf('/');
    return slash < 0 ? k : k.substring(0, slash);
  }

  private static Credential credential(JsonNode entry, String host, Path file) {
    String token = entry.path("identitytoken").asText("");
    if (!token.isEmpty()) {
      return new Credential("", token);
    }
    String auth = entry.path("auth").asText("");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw SandboxdException.failedPrecondition("%s: auths.%s.auth is not base64", file, host);
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw SandboxdException.failedPrecondition("%s: auths.%s.auth is not base64 of user:password", file, host);
      }
      return new Credential(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
    return new Credential(entry.path("username").asText(""), entry.path("password").asText(""));
  }
}
