package dev.sandboxd.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.nio.file.Files;
import java.nio.file.Path;
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
            PodRecord.ContainerRecord.first("side", "c2", "/logs/side/0.log", 0)));
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
