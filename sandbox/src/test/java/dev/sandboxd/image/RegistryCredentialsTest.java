package dev.sandboxd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.containerd.Transfers.Credential;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCredentialsTest {
  @TempDir Path dir;

  private Path file(String name, String json, String mode) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, json);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  @Test
  void basicAuthUsernamePasswordAndIdentityToken() throws IOException {
    Path node = file("config.json", """
        {"auths": {
          "127.0.0.1:5000": {"auth": "dXNlcjpwYTpzcw=="},
          "https://registry.example/v1/": {"username": "u2", "password": "p2"},
          "tokens.example": {"identitytoken": "tok"},
          "https://index.docker.io/v1/": {"auth": "aHViOmh1Yg=="}}}""", "rw-------");
    RegistryCredentials creds = new RegistryCredentials(Optional.of(node), Optional.empty());
    assertEquals(Optional.of(new Credential("user", "pa:ss")), creds.forHost("127.0.0.1:5000", List.of()));
    assertEquals(Optional.of(new Credential("u2", "p2")), creds.forHost("registry.example", List.of()));
    assertEquals(Optional.of(new Credential("", "tok")), creds.forHost("tokens.example", List.of()));
    assertEquals(Optional.of(new Credential("hub", "hub")), creds.forHost("docker.io", List.of()));
    assertEquals(Optional.empty(), creds.forHost("other.example", List.of()));
  }

  @Test
  void podSecretsWinOverTheNodesConfig() throws IOException {
    Path node = file("config.json", "{\"auths\":{\"r.example\":{\"username\":\"node\",\"password\":\"n\"}}}", "rw-------");
    Path secrets = Files.createDirectory(dir.resolve("secrets"));
    file("secrets/regcred", "{\"auths\":{\"r.example\":{\"username\":\"pod\",\"password\":\"p\"}}}", "rw-------");
    RegistryCredentials creds = new RegistryCredentials(Optional.of(node), Optional.of(secrets));
    assertEquals("pod", creds.forHost("r.example", List.of("regcred")).orElseThrow().username());
    assertEquals("node", creds.forHost("r.example", List.of()).orElseThrow().username());
  }

  @Test
  void aFileOthersMayReadIsRefusedWithoutItsContent() throws IOException {
    Path node = file("config.json", "{\"auths\":{\"r.example\":{\"username\":\"u\",\"password\":\"secret-pw\"}}}", "rw-r--r--");
    RegistryCredentials creds = new RegistryCredentials(Optional.of(node), Optional.empty());
    SandboxdException e = assertThrows(SandboxdException.class, () -> creds.forHost("r.example", List.of()));
    assertTrue(e.getMessage().contains("chmod 600") && e.getMessage().contains(node.toString()), e.getMessage());
    assertTrue(!e.getMessage().contains("secret-pw"));
  }

  @Test
  void aPullSecretWithoutTheDirectoryIsNamed() {
    RegistryCredentials creds = new RegistryCredentials(Optional.empty(), Optional.empty());
    SandboxdException e = assertThrows(SandboxdException.class, () -> creds.forHost("r.example", List.of("regcred")));
    assertTrue(e.getMessage().contains("regcred") && e.getMessage().contains("--image-pull-secrets-dir"), e.getMessage());
  }
}
