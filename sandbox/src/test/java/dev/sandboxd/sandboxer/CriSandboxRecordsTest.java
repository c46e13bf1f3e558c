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

  @Test
  void aRecordOfAnOlderSandboxdReadsWithThePauseSeccompItRan() throws Exception {
    Path dir = Files.createDirectories(state.resolve("cri-sandboxes"));
    // as written before records had pauseSeccomp (every pause then ran under RuntimeDefault)
    Files.writeString(dir.resolve("sb1.json"), """
        {"pod":{"id":"sb1","podNamespace":"default","podName":"web","podUid":"uid-web","attempt":0,"hostname":"web",
        "netnsPath":"/run/netns/cni-1","dns":{"servers":[],"searches":[],"options":[]},"hostNamespaces":[],
        "sysctls":{},"cgroupParent":"","labels":{},"annotations":{}},"createdAt":"2026-12-01T10:00:00Z"}
        """);

    CriSandboxRecords records = new CriSandboxRecords(state);

    assertEquals(CriPodSandbox.PauseSeccomp.RUNTIME_DEFAULT, records.list().get(0).pod().pauseSeccomp());
    records.save(records.list().get(0));
    assertEquals(records.list().get(0).pod(), new CriSandboxRecords(state).list().get(0).pod(), "written and read back");
  }
}
