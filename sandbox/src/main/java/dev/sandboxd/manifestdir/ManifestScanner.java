package dev.sandboxd.manifestdir;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.PodManifests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Reads the manifest directory. A manifest is a regular file (or a link to one) named *.yaml,
 * *.yml or *.json that does not start with a dot; everything else (editor swap and backup files,
 * directories, other names) is not looked at. Each manifest is validated as `sandboxctl run` would.
 */
final class ManifestScanner {
  private static final List<String> EXTENSIONS = List.of(".yaml", ".yml", ".json");

  private final Path dir;
  private final PodManifests manifests;

  ManifestScanner(Path dir, PodManifests manifests) {
    this.dir = dir;
    this.manifests = manifests;
  }

  /** @throws IOException when the directory itself cannot be listed */
  DirectoryScan scan() throws IOException {
    Map<String, StaticPod> pods = new HashMap<>();
    Map<String, String> problems = new HashMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String file = entry.getFileName().toString();
        if (!isManifestName(file) || !Files.isRegularFile(entry)) {
          continue;
        }
        try {
          pods.put(file, read(file, entry));
        } catch (NoSuchFileException e) {
          // removed since it was listed: as if it had never been there
        } catch (IOException e) {
          problems.put(file, "cannot be read: " + e.getMessage());
        } catch (SandboxdException e) {
          problems.put(file, e.getMessage());
        }
      }
    }
    return new DirectoryScan(pods, problems);
  }

  static boolean isManifestName(String file) {
    return !file.startsWith(".") && EXTENSIONS.stream().anyMatch(file::endsWith);
  }

  private StaticPod read(String file, Path path) throws IOException {
    // Checked before reading, so a huge file is never loaded.
    if (Files.size(path) > PodManifests.MAX_MANIFEST_BYTES) {
      throw SandboxdException.invalidArgument("manifest is larger than 1 MiB");
    }
    String text = PodManifests.decodeUtf8(Files.readAllBytes(path), "manifest");
    String hash = sha256(manifests.withAnnotations(text, Map.of()));
    String manifest = manifests.withAnnotations(text, Map.of(StaticPod.SOURCE, file, StaticPod.HASH, hash));
    return new StaticPod(file, hash, manifests.parse(manifest, false).pod().fullName(), manifest);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
