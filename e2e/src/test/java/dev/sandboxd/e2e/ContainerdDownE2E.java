package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.cli.Sandboxctl;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** sandboxctl while containerd is down, and for a user who may not use the socket: quick one-line errors. */
class ContainerdDownE2E {

  @Test
  void callsFailFastWithOneLineWhileContainerdIsDownAndWorkWhenItIsBack() throws Exception {
    try (Node node = Node.start("cdown")) {
      node.run("""
          apiVersion: v1
          kind: Pod
          metadata: {name: quiet}
          spec:
            containers:
            - {name: app, image: %s, command: [sleep, '3600']}
          """.formatted(Node.BUSYBOX));
      node.waitFor("quiet", p -> p.getStatus().getPhase().equals("Running"));
      String socket = node.env.get("CONTAINERD_ADDRESS");
      Node.Result stop = Node.Command.run(Node.REPO.resolve("hack/node").toString(), "stop-containerd", "--dir", node.dir.toString());
      assertEquals(0, stop.exitCode(), stop.stderr());
      // A restart of containerd is waited out for a few seconds (RESTART_GRACE); then it is down.
      Thread.sleep(6_000);

      for (List<String> command : List.of(List.of("image", "ls"), List.of("ps"), List.of("inspect", "quiet"))) {
        Node.Cli r = node.sandboxctl(command.toArray(String[]::new));
        assertTrue(r.took().compareTo(Duration.ofSeconds(5)) < 0, command + " took " + r.took());
        if (r.code() == 0 && !command.get(0).equals("image")) {
          continue; // status reads may be answered from sandboxd's memory; they must not wait either way
        }
        assertEquals(1, r.code(), command + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), command + " printed more than one line: " + r.err());
        assertTrue(r.err().contains("containerd is not answering at " + socket), command + ": " + r.err());
      }

      Node.Result start = Node.Command.run(Node.REPO.resolve("hack/node").toString(), "start-containerd", "--dir", node.dir.toString());
      assertEquals(0, start.exitCode(), start.stderr());
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      Node.Cli ps = node.sandboxctl("ps");
      while (ps.code() != 0 && System.nanoTime() < deadline) {
        Thread.sleep(500);
        ps = node.sandboxctl("ps");
      }
      assertEquals(0, ps.code(), ps.err());
      assertTrue(ps.out().contains("quiet"), ps.out());
    }
  }

  @Test
  void aUserWhoMayNotUseTheSocketIsToldPermissionDenied() throws Exception {
    try (Node node = Node.start("perm")) {
      Node.Result r = Node.Command.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
          System.getProperty("java.home") + "/bin/java", "-cp", Node.REPO.resolve("sandbox/target/sandboxd-0.1.0-SNAPSHOT-all.jar").toString(),
          Sandboxctl.class.getName(), "--address", node.sandboxdAddress(), "ps");
      assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
      assertTrue(r.stderr().contains("permission denied"), r.stderr());
      assertFalse(r.stderr().contains("is sandboxd running"), r.stderr());
      assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }
  }
}
