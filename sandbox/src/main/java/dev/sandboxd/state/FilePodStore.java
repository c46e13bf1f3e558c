package dev.sandboxd.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.system.PrivateFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One JSON file per pod under {@code <state>/pods/}. A write goes to a temporary file that is
 * renamed over the old one, so a crash of sandboxd leaves either the old or the new record.
 * Records are not fsynced: they describe tasks that do not outlive the node (the state directory
 * is in /run, a tmpfs, by default), so a flush would buy nothing after a power loss, while on a
 * disk it costs every pod start a few milliseconds and, when the disk is busy, hundreds.
 */
public final class FilePodStore implements PodStore {
  private static final String SUFFIX = ".json";

  private final Path dir;
  private final ObjectMapper json =
      new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  public FilePodStore(Path stateDir) {
    this.dir = stateDir.resolve("pods");
    try {
      // Records hold whole manifests, env values included: only root may read them.
      PrivateFiles.directory(stateDir, PrivateFiles.DIRECTORY);
      PrivateFiles.directory(dir, PrivateFiles.DIRECTORY);
      PrivateFiles.removeInterruptedReplaces(dir);
    } catch (IOException e) {
      throw SandboxdException.internal("creating state directory " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void save(PodRecord record) {
    Path target = file(record.uid());
    try {
      PrivateFiles.replace(target, json.writeValueAsBytes(record));
    } catch (IOException e) {
      throw SandboxdException.internal("writing pod record " + target + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<PodRecord> get(String uid) {
    try {
      return Optional.of(json.readValue(Files.readAllBytes(file(uid)), PodRecord.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw SandboxdException.internal("reading pod record of " + uid + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<PodRecord> list() {
    List<PodRecord> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        get(name.substring(0, name.length() - SUFFIX.length())).ifPresent(out::add);
      }
    } catch (IOException e) {
      throw SandboxdException.internal("listing pod records in " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public void delete(String uid) {
    try {
      Files.deleteIfExists(file(uid));
    } catch (IOException e) {
      throw SandboxdException.internal("deleting pod record of " + uid + ": " + e.getMessage(), e);
    }
  }

  private Path file(String uid) {
    // uids are validated by the manifest parser; this guards the path all the same.
    if (uid.isEmpty() || !uid.matches("[A-Za-z0-9-]+")) {
      throw SandboxdException.invalidArgument("metadata.uid: %s is not a valid uid", uid);
    }
    return dir.resolve(uid + SUFFIX);
  }
}
