package dev.sandboxd.sandboxer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.system.PrivateFiles;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One JSON record per CRI sandbox under {@code <state>/cri-sandboxes/}, written (0600, in a 0700
 * directory) to a temporary file renamed over the old one, so that after a sandboxd restart
 * status and wait answer for the sandboxes containerd still knows.
 */
public final class CriSandboxRecords {
  private static final Logger LOG = System.getLogger("dev.sandboxd.sandboxer");
  private static final String SUFFIX = ".json";

  /** A sandbox as recorded at Create. */
  public record CriSandboxRecord(CriPodSandbox pod, Instant createdAt) {}

  private final Path dir;
  private final ObjectMapper json =
      new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  public CriSandboxRecords(Path stateDir) {
    this.dir = stateDir.resolve("cri-sandboxes");
    try {
      PrivateFiles.directory(stateDir, PrivateFiles.DIRECTORY);
      PrivateFiles.directory(dir, PrivateFiles.DIRECTORY);
      PrivateFiles.removeInterruptedReplaces(dir);
    } catch (IOException e) {
      throw SandboxdException.internal("creating " + dir + ": " + e.getMessage(), e);
    }
  }

  public void save(CriSandboxRecord record) {
    Path target = file(record.pod().id());
    try {
      PrivateFiles.replace(target, json.writeValueAsBytes(record));
    } catch (IOException e) {
      throw SandboxdException.internal("writing sandbox record " + target + ": " + e.getMessage(), e);
    }
  }

  /** Every readable record; one that does not read is logged and left for the operator. */
  public List<CriSandboxRecord> list() {
    List<CriSandboxRecord> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        try {
          out.add(json.readValue(Files.readAllBytes(f), CriSandboxRecord.class));
        } catch (IOException e) {
          LOG.log(Level.WARNING, "unreadable CRI sandbox record {0}: {1}", f, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw SandboxdException.internal("listing " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The ids of every record file, also of one that does not read (its sandbox is not to be cleaned away). */
  public List<String> ids() {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        out.add(name.substring(0, name.length() - SUFFIX.length()));
      }
    } catch (IOException e) {
      throw SandboxdException.internal("listing " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  public void delete(String id) {
    try {
      Files.deleteIfExists(file(id));
    } catch (IOException e) {
      throw SandboxdException.internal("deleting sandbox record of " + id + ": " + e.getMessage(), e);
    }
  }

  private Path file(String id) {
    return dir.resolve(id + SUFFIX); // ids are checked by CriSandboxConfigs
  }
}
