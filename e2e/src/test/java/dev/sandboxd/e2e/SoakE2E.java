package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.soak.Soak;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * hack/soak's client for 3 minutes on a node of its own: pods churned, sandboxd killed with SIGKILL
 * twice, and no leak at the end (containerd objects, mounts, cgroups, shims, sandboxd's records,
 * threads and fds).
 */
class SoakE2E {
  private static final List<String> FLAGS =
      List.of("--metrics-address", "127.0.0.1:0", "--restart-backoff", "1s", "--restart-backoff-max", "2s");
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("soak", FLAGS.toArray(String[]::new));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void threeMinutesOfChurnLeaveNothingBehind() {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    List<String> args = new ArrayList<>(List.of("--repo", Node.REPO.toString(), "--node-dir", node.dir.toString(),
        "--minutes", "3", "--kill-every-seconds", "50", "--settle-seconds", "10"));
    FLAGS.forEach(f -> args.add("--sandboxd-flag=" + f));
    int exit = Soak.execute(new PrintStream(progress, true, StandardCharsets.UTF_8), args.toArray(String[]::new));
    String report = progress.toString(StandardCharsets.UTF_8);
    System.out.println(report);
    assertEquals(0, exit, report + "\n" + node.sandboxdLog());
    Matcher summary = Pattern.compile("soak: (\\d+) cycles .*, (\\d+) kills of sandboxd").matcher(report);
    assertTrue(summary.find(), report);
    assertTrue(Integer.parseInt(summary.group(1)) >= 10, "churned too little: " + summary.group());
    assertEquals(2, Integer.parseInt(summary.group(2)), "kills at 50 s and 100 s: " + summary.group());
    assertTrue(report.contains("| containers | "), report);
  }
}
