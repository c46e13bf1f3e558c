package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.sandboxd.api.v1.ListPodsRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** hack/node starting sandboxd again after a crash, as hack/up does. */
class NodeRestartE2E {

  /**
   * After kill -9, sandboxd stays a zombie where nothing reaps it (an init that does not wait,
   * as in some containers); its pid still answers kill -0. The node must start a new sandboxd
   * instead of taking the zombie for a live one. The zombie here is made on purpose: a child of a
   * process that never waits, its pid written where hack/node looks for sandboxd's.
   */
  @Test
  void startAfterKillNineIgnoresTheUnreapedSandboxd() throws Exception {
    try (Node node = Node.start("zombie")) {
      long before = Long.parseLong(Files.readString(node.dir.resolve("sandboxd.pid")).trim());
      node.killSandboxd();
      Process parent = new ProcessBuilder("sh", "-c", "sleep 0.2 & echo $!; exec sleep 60").start();
      try {
        long zombie = unreapedChild(parent);
        Files.writeString(node.dir.resolve("sandboxd.pid"), zombie + "\n");

        node.startSandboxd();

        long after = Long.parseLong(Files.readString(node.dir.resolve("sandboxd.pid")).trim());
        assertNotEquals(zombie, after, "hack/node took the zombie for a running sandboxd");
        assertNotEquals(before, after);
        assertEquals(0, node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsCount());
      } finally {
        parent.destroyForcibly();
      }
    }
  }

  /** The pid parent printed, once that child has exited; parent (sleep) never reaps it. */
  private static long unreapedChild(Process parent) throws Exception {
    String pid = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8)).readLine().trim();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!state(pid).equals("Z")) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("process " + pid + " did not become a zombie");
      }
      Thread.sleep(50);
    }
    return Long.parseLong(pid);
  }

  private static String state(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch (IOException e) {
      return "";
    }
  }
}
