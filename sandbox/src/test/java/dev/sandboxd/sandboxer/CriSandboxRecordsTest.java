package dev.sandboxd.sandboxer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriSandboxRecordsTest {
  @TempDir Path state;

  @Test
  void aTornTemporaryFromACrashIsClearedAtStartUpAndNeverListed() throws Exception {
    Path dir = Files.createDirectories(state.resolve("cri-sandboxes"));
    Files.writeString(dir.resolve(".sb1.tmp"), "{\"pod\": {\"id\": \"sb1\", trunc");

    CriSandboxRecords records = new CriSandboxRecords(state);

    assertEquals(List.of(), records.list());
    assertTrue(Files.notExists(dir.resolve(".sb1.tmp")), "the temporary is removed");
  }
}
