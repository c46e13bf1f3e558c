package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ContainerStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kubectl habits an operator has, through the real sandboxctl launcher (hack/sandboxctl):
 * exec -it under a real pseudo-terminal (tmux drives it), port-forward from 127.0.0.1 to a pod's
 * HTTP server, logs --previous after a restart.
 */
class CliHabitsE2E {
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("cli");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void execItRunsAShellUnderATerminalThatSeesItsSizeAndAResize() throws Exception {
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: shell}
        spec:
          containers:
          - {name: c, image: %s, command: [sleep, '3600'], env: [{name: IN_CONTAINER, value: 'yes'}]}
        """.formatted(Node.BUSYBOX));
    String tmuxSocket = "sandboxd-e2e-" + ProcessHandle.current().pid();
    try {
      node.waitFor("shell", p -> p.getStatus().getPhase().equals("Running"));
      // The exit code of sandboxctl is printed after it, so the pane shows it.
      String cli = String.join(" ", Node.REPO.resolve("hack/sandboxctl").toString(), "--address", node.sandboxdAddress(),
          "exec", "-it", "shell", "c", "--", "sh");
      tmux(tmuxSocket, "new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "sh -c '" + cli + "; echo cli-exit=$?; sleep 60'");
      waitForPane(tmuxSocket, s -> s.contains("/ #")); // the prompt (capture-pane drops trailing blanks)
      // The sums are worked out by the remote shell: the echo of what was typed cannot match them.
      type(tmuxSocket, "stty size; echo ready-$((40+2))");
      String pane = waitForPane(tmuxSocket, s -> s.contains("ready-42"));
      assertTrue(pane.contains("30 100"), "stty size in the container did not see 30 rows × 100 columns:\n" + pane);

      // A resize travels on its own (SIGWINCH here, then ResizePty): ask until it has arrived.
      tmux(tmuxSocket, "resize-window", "-t", "e2e", "-x", "120", "-y", "40");
      Instant deadline = Instant.now().plusSeconds(30);
      int attempt = 0;
      do {
        attempt++;
        type(tmuxSocket, "clear; stty size; echo resized-$((1000+" + attempt + "))");
        int marker = 1000 + attempt;
        pane = waitForPane(tmuxSocket, s -> s.contains("resized-" + marker));
      } while (!pane.contains("40 120") && Instant.now().isBefore(deadline));
      assertTrue(pane.contains("40 120"), "the resize did not reach the container's terminal:\n" + pane);

      // A real terminal; the container's environment and no fd or variable of sandboxd's.
      // Every fd of the shell is its terminal (busybox sh keeps /dev/tty, the same one, as fd 10).
      type(tmuxSocket, "clear; ls -l /proc/$$/fd/; echo tty=$(tty) env=$IN_CONTAINER leak=$(env | grep -c SANDBOXD); exit 3");
      pane = waitForPane(tmuxSocket, s -> s.contains("cli-exit="));
      assertTrue(pane.contains("tty=/dev/pts/"), pane);
      List<String> fds = pane.lines().filter(l -> l.contains(" -> ")).toList();
      assertTrue(fds.size() >= 3 && fds.stream().allMatch(l -> l.matches(".* -> /dev/(pts/\\d+|tty)")),
          "the exec'd shell holds more than its terminal:\n" + pane);
      assertTrue(pane.contains("env=yes leak=0"), pane);
      assertTrue(pane.contains("cli-exit=3"), "sandboxctl did not exit with the shell's exit code:\n" + pane);
      assertTrue(node.sandboxdLog().contains("AttachedExec pod=shell container=c -> OK"), "no audit line:\n" + node.sandboxdLog());
    } finally {
      Node.Command.run("tmux", "-L", tmuxSocket, "kill-server");
      node.removeForce("shell");
    }
  }

  @Test
  void portForwardReachesThePodsHttpServerFrom127001() throws Exception {
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers:
          - {name: httpd, image: %s, command: [sh, -c, 'mkdir -p /www && echo hello-from-the-pod > /www/index.html && exec httpd -f -p 8080 -h /www']}
        """.formatted(Node.BUSYBOX));
    Process forward = null;
    try {
      node.waitFor("web", p -> p.getStatus().getPhase().equals("Running"));
      forward = new ProcessBuilder(Node.REPO.resolve("hack/sandboxctl").toString(), "--address", node.sandboxdAddress(),
          "port-forward", "web", ":8080").redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(forward.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      Matcher m = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 8080").matcher(String.valueOf(first));
      assertTrue(m.matches(), "port-forward printed: " + first);
      int port = Integer.parseInt(m.group(1));
      // Two requests, two connections (a client each): each is closed cleanly both ways and the next one works.
      for (int i = 0; i < 2; i++) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html")).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("hello-from-the-pod\n", response.body());
      }
      assertTrue(forward.isAlive(), "port-forward ended after its connections");
      assertTrue(node.sandboxdLog().contains("PortForward pod=web -> OK"), "no audit line:\n" + node.sandboxdLog());
    } finally {
      if (forward != null) {
        forward.destroy();
      }
      node.removeForce("web");
    }
  }

  @Test
  void logsPreviousShowsTheRunBeforeARestart() throws Exception {
    // Run 1 exits; run 2 stays. Their count lives in an emptyDir, which outlives a run.
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: restarted}
        spec:
          containers:
          - name: c
            image: %s
            command: [sh, -c, 'n=$(( $(cat /data/n 2>/dev/null || echo 0) + 1 )); echo $n > /data/n; echo this-is-run-$n; [ $n -ge 2 ] && exec sleep 3600; exit 1']
            volumeMounts: [{name: data, mountPath: /data}]
          volumes: [{name: data, emptyDir: {}}]
        """.formatted(Node.BUSYBOX));
    try {
      node.waitFor("restarted", p -> {
        ContainerStatus c = p.getStatus().getContainerStatuses(0);
        return c.getRestartCount() == 1 && c.getState().hasRunning();
      });
      Node.Result current = waitForCli(r -> r.stdout().contains("this-is-run-2"), "logs", "restarted", "c");
      assertFalse(current.stdout().contains("this-is-run-1"), current.stdout());
      Node.Result previous = sandboxctl("logs", "--previous", "restarted", "c");
      assertEquals(0, previous.exitCode(), previous.stderr());
      assertEquals("this-is-run-1\n", previous.stdout());
      Node.Result stamped = sandboxctl("logs", "-p", "--timestamps", "--tail", "1", "restarted", "c");
      assertTrue(stamped.stdout().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z this-is-run-1\n"), stamped.stdout());
    } finally {
      node.removeForce("restarted");
    }
  }

  /** logs writes the container's bytes to the process's stdout: run the launcher, as an operator does. */
  private static Node.Result sandboxctl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Node.REPO.resolve("hack/sandboxctl").toString(), "--address", node.sandboxdAddress()));
    cmd.addAll(List.of(args));
    return Node.Command.run(cmd.toArray(String[]::new));
  }

  private static Node.Result waitForCli(Predicate<Node.Result> condition, String... args) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plusSeconds(30);
    Node.Result r = sandboxctl(args);
    while (!condition.test(r) && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      r = sandboxctl(args);
    }
    return r;
  }

  private static void type(String socket, String line) throws IOException, InterruptedException {
    tmux(socket, "send-keys", "-t", "e2e", "-l", line);
    tmux(socket, "send-keys", "-t", "e2e", "Enter");
  }

  private static String waitForPane(String socket, Predicate<String> condition) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plusSeconds(60);
    String pane = "";
    while (Instant.now().isBefore(deadline)) {
      pane = tmux(socket, "capture-pane", "-p", "-t", "e2e").stdout();
      if (condition.test(pane)) {
        return pane;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the terminal never showed what was expected:\n" + pane + "\n" + node.sandboxdLog());
  }

  private static Node.Result tmux(String socket, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
    cmd.addAll(List.of(args));
    Node.Result r = Node.Command.run(cmd.toArray(String[]::new));
    assertEquals(0, r.exitCode(), () -> String.join(" ", cmd) + ": " + r.stderr());
    return r;
  }
}
