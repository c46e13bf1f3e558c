package dev.sandboxd.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePodStoreTest {
  @TempDir Path dir;

  static PodRecord record(String uid) {
    return new PodRecord(uid, "default", "web", "apiVersion: v1", false, "sb1", "/sandboxd/pod" + uid,
        Instant.parse("2026-11-22T08:00:00Z"), PodRecord.Stage.Ready, 42,
        List.of(PodRecord.ContainerRecord.first("app", "c1", "/logs/app/0.log", 15).started(Instant.parse("2026-11-22T08:00:01Z")),
            PodRecord.ContainerRecord.first("side", "c2", "/logs/side/0.log", 0)),
        new PodRecord.NetworkRecord("/run/sandboxd/netns/sb1", List.of("10.89.0.2")));
  }

  @Test
  void recordsSurviveAReopenExactly() {
    new FilePodStore(dir).save(record("u1"));
    FilePodStore reopened = new FilePodStore(dir);
    assertEquals(Optional.of(record("u1")), reopened.get("u1"));
    assertEquals(List.of(record("u1")), reopened.list());
    reopened.delete("u1");
    assertEquals(List.of(), reopened.list());
  }

  /** Records hold whole manifests (env values): root's alone, also under a state dir made elsewhere (here 0755). */
  @Test
  void recordsAndTheirDirectoriesAreOnlyForTheOwner() throws Exception {
    Path state = dir.resolve("made/along/the/way/state");
    new FilePodStore(state).save(record("u1"));
    assertEquals("rwx------", mode(state));
    assertEquals("rwx------", mode(state.resolve("pods")));
    assertEquals("rw-------", mode(state.resolve("pods/u1.json")));
    for (Path p = state.getParent(); !p.equals(dir); p = p.getParent()) {
      assertEquals("rwx------", mode(p), p + " was created along the way");
    }
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
    new FilePodStore(state);
    assertEquals("rwx------", mode(state), "an existing state directory is tightened");
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aTornTemporaryFileFromACrashIsIgnoredAndCleared() throws Exception {
    Files.createDirectories(dir.resolve("pods"));
    Files.writeString(dir.resolve("pods/.u9.tmp"), "{\"uid\": \"u9\", trunc");
    FilePodStore store = new FilePodStore(dir);
    assertEquals(List.of(), store.list());
    assertTrue(Files.notExists(dir.resolve("pods/.u9.tmp")));
  }

  @Test
  void uidsCannotEscapeTheDirectory() {
    assertThrows(SandboxdException.InvalidArgument.class, () -> new FilePodStore(dir).get("../x"));
  }
}
