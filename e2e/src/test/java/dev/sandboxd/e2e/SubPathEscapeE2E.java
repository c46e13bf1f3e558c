package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CVE-2017-1002101's attack on sandboxd: one container swaps a directory of its volume for a
 * symlink to a host directory, in a tight loop, while another container that mounts that
 * directory as its subPath is mounted again and again. It must never get the host directory.
 */
class SubPathEscapeE2E {
  private static final Duration ATTACK = Duration.ofSeconds(35);
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    // Restarts at once, so the subPath is mounted as often as possible.
    node = Node.start("subpath", "--restart-backoff", "100ms", "--restart-backoff-max", "200ms");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aSymlinkSwappedIntoTheVolumeNeverMountsTheHostDirectory() throws Exception {
    Path host = Files.createDirectories(node.dir.resolve("host-secret"));
    Files.writeString(host.resolve("HOST_MARKER"), "the host's\n");
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: swap}
        spec:
          terminationGracePeriodSeconds: 0
          volumes: [{name: vol, emptyDir: {}}, {name: report, emptyDir: {}}]
          containers:
          - name: swapper
            image: %1$s
            command: [sh, -c, 'cd /v; until [ -e go ]; do sleep 0.1; done; while true; do rm -rf d; mkdir d; rm -rf d; ln -s %2$s d; done']
            volumeMounts: [{name: vol, mountPath: /v}]
          - name: victim
            image: %1$s
            command: [sh, -c, 'touch /sub/written-by-the-container; if [ -e /sub/HOST_MARKER ]; then echo ESCAPED; else echo INSIDE; fi >> /report/runs']
            volumeMounts: [{name: vol, mountPath: /sub, subPath: d}, {name: report, mountPath: /report}]
        """.formatted(Node.BUSYBOX, host));
    // The attack starts once the pod runs (a refused first start would fail the run call).
    assertEquals(0, node.exec("swap", "swapper", "touch", "/v/go").getExitCode());
    String uid = node.inspect("swap").getMetadata().getUid();
    // Every run's verdict, kept in a volume of its own (sandboxd keeps the logs of the last two runs only).
    Path report = node.dir.resolve("sandboxd/root/pods/" + uid + "/volumes/report/runs");

    Instant end = Instant.now().plus(ATTACK);
    boolean sawStagingMount = false;
    while (Instant.now().isBefore(end)) {
      try (Stream<Path> files = Files.list(host)) {
        assertEquals(List.of("HOST_MARKER"), files.map(p -> p.getFileName().toString()).toList(),
            "the container wrote into the host directory: it got it mounted");
      }
      sawStagingMount |= node.inNode("grep", "-c", uid + "/subpaths/", "/proc/self/mountinfo").exitCode() == 0;
      Thread.sleep(500);
    }
    String runs = Files.exists(report) ? Files.readString(report) : "";
    assertFalse(runs.contains("ESCAPED"), "a run of the subPath container saw the host directory");

    Pod pod = node.inspect("swap");
    ContainerStatus victim = pod.getStatus().getContainerStatusesList().stream()
        .filter(c -> c.getName().equals("victim")).findFirst().orElseThrow();
    assertTrue(victim.getRestartCount() >= 20, "the subPath was mounted again and again: " + victim);
    assertTrue(runs.contains("INSIDE"), "some runs got the volume's own directory mounted: " + runs);
    assertTrue(sawStagingMount, "runc was given the staging mount under the pod's subpaths directory");

    node.removeForce("swap");
    Node.Result mountinfo = node.inNode("cat", "/proc/self/mountinfo");
    assertEquals(0, mountinfo.exitCode(), mountinfo.stderr());
    assertFalse(mountinfo.stdout().contains(uid), "no mount of the pod is left:\n" + mountinfo.stdout());
    assertFalse(Files.exists(node.dir.resolve("sandboxd/root/pods/" + uid)), "the pod's directory is gone");
    assertTrue(Files.exists(host.resolve("HOST_MARKER")), "the host directory is untouched");
  }
}
