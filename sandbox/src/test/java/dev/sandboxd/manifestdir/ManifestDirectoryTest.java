package dev.sandboxd.manifestdir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.supervisor.ManualScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Static pods against in-memory pods and a temporary directory; reconciles are driven by hand. */
class ManifestDirectoryTest {
  @TempDir Path dir;
  final MemoryPods pods = new MemoryPods();
  final ManualScheduler scheduler = new ManualScheduler(Instant.parse("2026-11-01T00:00:00Z"));
  final List<ManifestProblem> problems = new ArrayList<>();
  ManifestDirectory manifestDir;

  @BeforeEach
  void setUp() {
    manifestDir = newManifestDirectory();
  }

  @AfterEach
  void tearDown() {
    manifestDir.close();
  }

  ManifestDirectory newManifestDirectory() {
    return new ManifestDirectory(dir, pods, PodManifests.withRandomUids(), scheduler, problems::add);
  }

  @Test
  void aNewFileRunsItsPodMarkedWithFileAndHash() throws Exception {
    write("web.yaml", pod("web", "sleep 3600"));

    manifestDir.reconcile();

    assertEquals(List.of("run default/web"), pods.calls);
    Map<String, String> annotations = running("default/web").pod().metadata().annotations();
    assertEquals("web.yaml", annotations.get(StaticPod.SOURCE));
    assertTrue(annotations.get(StaticPod.HASH).matches("[0-9a-f]{64}"), annotations.toString());
    assertEquals("kept", annotations.get("example.com/note"), "the file's own annotations stay");
    assertEquals(List.of(), problems);
  }

  @Test
  void anUnchangedOrMerelyReformattedFileLeavesItsPodAlone() throws Exception {
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();
    manifestDir.reconcile();
    write("web.yaml", "# a comment, and another layout\n" + pod("web", "sleep 3600").replace("kind: Pod", "kind:   Pod"));
    manifestDir.reconcile();

    assertEquals(List.of("run default/web"), pods.calls);
  }

  @Test
  void aChangedFileRecreatesItsPodWithTheNewHash() throws Exception {
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();
    String oldHash = running("default/web").pod().metadata().annotations().get(StaticPod.HASH);

    write("web.yaml", pod("web", "sleep 7200"));
    manifestDir.reconcile();

    assertEquals(List.of("run default/web", "remove default/web --force", "run default/web"), pods.calls);
    PodStatus recreated = running("default/web");
    assertNotEquals(oldHash, recreated.pod().metadata().annotations().get(StaticPod.HASH));
    assertEquals(List.of("sleep", "7200"), recreated.pod().spec().containers().get(0).command());
  }

  @Test
  void aRemovedFileRemovesItsPod() throws Exception {
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();

    Files.delete(dir.resolve("web.yaml"));
    manifestDir.reconcile();

    assertEquals(List.of("run default/web", "remove default/web --force"), pods.calls);
    assertTrue(pods.list().isEmpty());
  }

  @Test
  void aRenamedFileMovesThePodOverRemovingItFirst() throws Exception {
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();

    Files.move(dir.resolve("web.yaml"), dir.resolve("frontend.yaml"));
    manifestDir.reconcile();

    assertEquals(List.of("run default/web", "remove default/web --force", "run default/web"), pods.calls);
    assertEquals("frontend.yaml", running("default/web").pod().metadata().annotations().get(StaticPod.SOURCE));
  }

  @Test
  void aBadFileIsReportedOnceAndItsRunningPodKeepsRunning() throws Exception {
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();
    String sandbox = running("default/web").sandbox().id();

    write("web.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web\n");
    manifestDir.reconcile();
    manifestDir.reconcile();

    assertEquals(List.of("run default/web"), pods.calls, "the old pod is left alone");
    assertEquals(sandbox, running("default/web").sandbox().id());
    assertEquals(1, problems.size(), "reported once: " + problems);
    assertEquals("web.yaml", problems.get(0).file());
    assertTrue(problems.get(0).message().startsWith("manifest is not valid YAML: line "), problems.get(0).message());

    // Fixed back to what runs: nothing to do, and a new breakage is reported anew.
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();
    write("web.yaml", pod("web", "sleep 3600").replace("containers:", "containerz:"));
    manifestDir.reconcile();

    assertEquals(List.of("run default/web"), pods.calls);
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(problems.get(1).message().contains("spec.containerz"), problems.get(1).message());
  }

  @Test
  void podsRunByHandAreNeverTouched() throws Exception {
    pods.run(pod("manual", "sleep 1"), false);
    pods.run(pod("web", "sleep 1"), false);
    pods.calls.clear();
    write("web.yaml", pod("web", "sleep 3600"));

    manifestDir.reconcile();

    assertEquals(List.of("run default/web"), pods.calls, "tried, and refused: the name is taken");
    assertEquals(null, running("default/web").pod().metadata().annotations().get(StaticPod.SOURCE),
        "the hand-made pod is still there");
    assertEquals("web.yaml", problems.get(0).file());
    assertTrue(problems.get(0).message().contains("exists already"), problems.get(0).message());

    Files.delete(dir.resolve("web.yaml"));
    manifestDir.reconcile();
    assertEquals(List.of("run default/web"), pods.calls, "no file claims them, and still nothing is removed");
  }

  @Test
  void ofTwoFilesNamingOnePodTheSecondIsReportedAndNotRun() throws Exception {
    write("a.yaml", pod("web", "sleep 1"));
    write("b.yaml", pod("web", "sleep 2"));

    manifestDir.reconcile();

    assertEquals(List.of("run default/web"), pods.calls);
    assertEquals("a.yaml", running("default/web").pod().metadata().annotations().get(StaticPod.SOURCE));
    assertEquals(1, problems.size());
    assertEquals("b.yaml", problems.get(0).file());
    assertTrue(problems.get(0).message().contains("already defined by a.yaml"), problems.get(0).message());
  }

  @Test
  void theFileWhosePodRunsKeepsItWhenAnotherFileNamesThePodToo() throws Exception {
    write("b.yaml", pod("web", "sleep 2"));
    manifestDir.reconcile();

    write("a.yaml", pod("web", "sleep 1"));
    manifestDir.reconcile();

    assertEquals(List.of("run default/web"), pods.calls);
    assertEquals("b.yaml", running("default/web").pod().metadata().annotations().get(StaticPod.SOURCE));
    assertEquals("a.yaml", problems.get(0).file());
  }

  @Test
  void afterARestartItsPodsAreRecognisedKeptWhenUnchangedAndUpdatedWhenNot() throws Exception {
    write("same.yaml", pod("same", "sleep 1"));
    write("edited.yaml", pod("edited", "sleep 1"));
    write("deleted.yaml", pod("deleted", "sleep 1"));
    manifestDir.reconcile();
    manifestDir.close();
    pods.calls.clear();

    // While sandboxd is down the directory changes.
    write("edited.yaml", pod("edited", "sleep 2"));
    Files.delete(dir.resolve("deleted.yaml"));
    manifestDir = newManifestDirectory();
    manifestDir.reconcile();

    assertEquals(List.of("remove default/deleted --force", "remove default/edited --force", "run default/edited"),
        pods.calls);
  }

  @Test
  void onlyManifestFilesCountAndOversizedOnesAreReported() throws Exception {
    write("web.json", """
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
         "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
        """);
    write("db.yml", pod("db", "sleep 1"));
    for (String ignored : List.of(".hidden.yaml", ".web.yaml.swp", "web.yaml~", "#web.yaml#", "notes.txt", "web.yaml.bak")) {
      write(ignored, pod("ignored", "sleep 1"));
    }
    Files.createDirectory(dir.resolve("subdir.yaml"));
    write("huge.yaml", pod("huge", "sleep 1") + "#" + "x".repeat(PodManifests.MAX_MANIFEST_BYTES));

    manifestDir.reconcile();

    assertEquals(List.of("run default/db", "run default/web"), pods.calls);
    assertEquals(List.of(new ManifestProblem("huge.yaml", "manifest is larger than 1 MiB")), problems);
  }

  @Test
  void aFailedRunIsRetriedWithBackOffAndReportedOnce() throws Exception {
    pods.failingRuns = 2;
    write("web.yaml", pod("web", "sleep 3600"));

    manifestDir.reconcile();
    assertEquals(List.of("run default/web"), pods.calls);
    assertTrue(problems.get(0).message().contains("not found: import it first"), problems.toString());

    scheduler.advance(Duration.ofMillis(1900));
    manifestDir.reconcile(); // a directory event meanwhile does not cut the back-off short
    assertEquals(1, pods.calls.size());
    scheduler.advance(Duration.ofMillis(100));
    assertEquals(2, pods.calls.size(), "retried after 2 s");
    scheduler.advance(Duration.ofMillis(3900));
    assertEquals(2, pods.calls.size());
    scheduler.advance(Duration.ofMillis(100));
    assertEquals(3, pods.calls.size(), "then after 4 s");

    running("default/web");
    assertEquals(1, problems.size(), "the repeated failure was reported once: " + problems);
    assertEquals(0, scheduler.pendingCount(), "no retry is left pending");
  }

  @Test
  void aChangedFileIsTriedAtOnceDespiteTheBackOffOfItsOldVersion() throws Exception {
    pods.failingRuns = 1;
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();

    write("web.yaml", pod("web", "sleep 1"));
    manifestDir.reconcile();

    assertEquals(List.of("run default/web", "run default/web"), pods.calls);
    running("default/web");
  }

  @Test
  void whenRemovingFailsTheNewVersionWaitsAndTheProblemIsReported() throws Exception {
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();
    pods.failRemoves = true;

    write("web.yaml", pod("web", "sleep 1"));
    manifestDir.reconcile();

    assertEquals(List.of("run default/web", "remove default/web --force"), pods.calls);
    assertTrue(problems.get(0).message().startsWith("cannot remove pod default/web (its file web.yaml changed)"),
        problems.toString());
  }

  @Test
  void anUnreadableDirectoryIsReportedAndRemovesNothing() throws Exception {
    write("web.yaml", pod("web", "sleep 3600"));
    manifestDir.reconcile();

    Files.delete(dir.resolve("web.yaml"));
    Files.delete(dir);
    manifestDir.reconcile();

    assertEquals(List.of("run default/web"), pods.calls);
    assertEquals(
        List.of(new ManifestProblem(dir.toString(), "cannot read the directory (it does not exist); static pods are left as they are")),
        problems);

    // Once it is back the watch is renewed at the next resync, and reconciles resume.
    Files.createDirectory(dir);
    manifestDir.reconcile();
    assertEquals(List.of("run default/web", "remove default/web --force"), pods.calls);
  }

  @Test
  void aDirectoryThatAppearsAfterTheStartIsPickedUp() throws Exception {
    Files.delete(dir);
    manifestDir.start();
    scheduler.advance(Duration.ZERO);
    assertEquals(dir.toString(), problems.get(0).file());

    Files.createDirectory(dir);
    write("web.yaml", pod("web", "sleep 3600"));
    scheduler.advance(ManifestDirectory.RESYNC);
    running("default/web");
  }

  @Test
  void aBurstOfChangesMakesOneReconcileOnceItIsQuiet() {
    int before = pods.listCalls;
    manifestDir.changed();
    scheduler.advance(Duration.ofMillis(150));
    manifestDir.changed();
    scheduler.advance(Duration.ofMillis(150));
    manifestDir.changed();
    scheduler.advance(Duration.ofMillis(199));
    assertEquals(before, pods.listCalls);

    scheduler.advance(Duration.ofMillis(1));
    assertEquals(before + 1, pods.listCalls);
  }

  @Test
  void startReconcilesAtOnceAndThenEveryResyncPeriod() throws Exception {
    manifestDir.start();
    scheduler.advance(Duration.ZERO);
    assertEquals(1, pods.listCalls);

    scheduler.advance(ManifestDirectory.RESYNC);
    assertEquals(2, pods.listCalls);
    scheduler.advance(ManifestDirectory.RESYNC);
    assertEquals(3, pods.listCalls);

    manifestDir.close();
    assertEquals(0, scheduler.pendingCount(), "close cancels every timer");
  }

  @ParameterizedTest(name = "failure {0}: next try after {1} s")
  @CsvSource({"1, 2", "2, 4", "3, 8", "4, 16", "5, 30", "6, 30", "1000, 30"})
  void backOffDoublesFromTwoSecondsUpToThirty(int failures, long seconds) {
    assertEquals(Duration.ofSeconds(seconds), ManifestDirectory.backoff(failures));
  }

  // --- helpers ---

  void write(String file, String text) throws Exception {
    Files.writeString(dir.resolve(file), text);
  }

  PodStatus running(String fullName) {
    return pods.pod(fullName).orElseThrow(() -> new AssertionError(fullName + " is not running: " + pods.calls));
  }

  static String pod(String name, String command) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          annotations: {example.com/note: kept}
        spec:
          containers:
          - name: main
            image: localhost/sandboxd/busybox:1.35
            command: ["%s"]
        """.formatted(name, String.join("\", \"", command.split(" ")));
  }
}
