package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.Event;
import dev.sandboxd.api.v1.EventsRequest;
import dev.sandboxd.api.v1.Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pulls from a real registry (Debian's docker-registry on 127.0.0.1, TLS with a CA of the test's,
 * htpasswd auth) through containerd's transfer service: pull policies, shared pulls, wrong and
 * fixed credentials with kubelet's back-off.
 */
class ImagePullE2E {
  private static TestRegistry registry;
  private static Node node;
  private static Path config;
  private static OciTestArchive.Built image;

  @BeforeAll
  static void start() throws Exception {
    registry = TestRegistry.start("pull");
    image = OciTestArchive.busybox(Node.REPO.resolve(".cache/root/bin/busybox"), "app", "marker", "pulled");
    registry.push("app", "1.0", image);
    registry.push("app", "2.0", image);
    config = registry.writeConfig(registry.dir.resolve("config.json"), TestRegistry.PASSWORD);
    node = Node.start("pull", "--registry-ca", registry.dir.resolve("ca.crt").toString(),
        "--registry-config", config.toString(), "--image-pull-backoff", "1s", "--image-pull-backoff-max", "4s");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      registry.close();
    }
  }

  private static String pod(String name, String image, String policy) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers:
          - {name: app, image: '%s', %s command: [sh, -c, 'cat /marker; sleep 3600']}
        """.formatted(name, image, policy == null ? "" : "imagePullPolicy: " + policy + ",");
  }

  private static boolean running(Pod p) {
    return p.getStatus().getPhase().equals("Running");
  }

  private static String waiting(Pod p) {
    ContainerStatus c = p.getStatus().getContainerStatuses(0);
    return c.getState().hasWaiting() ? c.getState().getWaiting().getReason() + ": " + c.getState().getWaiting().getMessage() : "";
  }

  /** Done-when 1: IfNotPresent pulls once, a second pod does not pull, Always pulls again, Never waits. */
  @Test
  void pullPolicies() throws Exception {
    String ref = registry.host() + "/app:1.0";
    try {
      node.run(pod("first", ref, null));
      node.waitFor("first", Duration.ofSeconds(60), ImagePullE2E::running);
      assertEquals(1, registry.pullsOf("app", "1.0"), registry.log());
      assertEquals("pulled", node.exec("first", "app", "cat", "/marker").getStdout().toStringUtf8());

      node.run(pod("second", ref, "IfNotPresent"));
      node.waitFor("second", ImagePullE2E::running);
      assertEquals(1, registry.pullsOf("app", "1.0"), "IfNotPresent with the image present pulls nothing");

      node.run(pod("always", ref, "Always"));
      node.waitFor("always", ImagePullE2E::running);
      assertEquals(2, registry.pullsOf("app", "1.0"), "Always pulls again");

      Pod never = node.run(pod("never", registry.host() + "/app:absent", "Never"));
      assertEquals("Pending", never.getStatus().getPhase());
      never = node.waitFor("never", p -> waiting(p).startsWith("ErrImageNeverPull"));
      assertEquals("Pending", never.getStatus().getPhase());
      assertEquals(0, registry.pullsOf("app", "absent"));
    } finally {
      for (String p : List.of("first", "second", "always", "never")) {
        try {
          node.removeForce(p);
        } catch (RuntimeException ignored) {
          // not run: the assertion before says why
        }
      }
    }
  }

  /**
   * Done-when 2: wrong credentials give ErrImagePull naming "unauthorized", then ImagePullBackOff
   * with growing gaps between tries; fixing the config file lets the pod start by itself.
   */
  @Test
  void wrongCredentialsBackOffThenFixed() throws Exception {
    String ref = registry.host() + "/app:2.0";
    registry.writeConfig(config, "wrong-password");
    try {
      node.run(pod("locked", ref, null));
      Pod p = node.waitFor("locked", Duration.ofSeconds(30), x -> waiting(x).startsWith("ErrImagePull"));
      assertTrue(waiting(p).contains("unauthorized"), waiting(p));
      assertTrue(waiting(p).contains(ref), waiting(p));
      assertEquals("Pending", p.getStatus().getPhase());
      node.waitFor("locked", Duration.ofSeconds(30), x -> waiting(x).startsWith("ImagePullBackOff"));
      Instant deadline = Instant.now().plusSeconds(40);
      List<Instant> failures = failures("default/locked");
      while (failures.size() < 4 && Instant.now().isBefore(deadline)) {
        Thread.sleep(200);
        failures = failures("default/locked");
      }
      assertTrue(failures.size() >= 4, "failed pulls: " + failures);
      // Back-off of 1, 2, 4 s after each failure: the gaps grow.
      long gap1 = Duration.between(failures.get(0), failures.get(1)).toMillis();
      long gap2 = Duration.between(failures.get(1), failures.get(2)).toMillis();
      long gap3 = Duration.between(failures.get(2), failures.get(3)).toMillis();
      assertTrue(gap1 >= 900 && gap2 >= 1900 && gap3 >= 3900 && gap2 > gap1 && gap3 > gap2,
          "gaps " + gap1 + ", " + gap2 + ", " + gap3 + " ms");
      assertEquals("Pending", node.inspect("locked").getStatus().getPhase());

      registry.writeConfig(config, TestRegistry.PASSWORD);
      node.waitFor("locked", Duration.ofSeconds(30), ImagePullE2E::running);
      assertTrue(node.sandboxdLog().indexOf("wrong-password") < 0, "no credential in sandboxd's log");
    } finally {
      registry.writeConfig(config, TestRegistry.PASSWORD);
      node.removeForce("locked");
    }
  }

  private static List<Instant> failures(String pod) {
    List<Instant> out = new ArrayList<>();
    node.pods().events(EventsRequest.getDefaultInstance()).forEachRemaining((Event e) -> {
      if (e.getPod().equals(pod) && e.getReason().equals("ErrImagePull")) {
        out.add(Instant.ofEpochSecond(e.getTime().getSeconds(), e.getTime().getNanos()));
      }
    });
    return out;
  }
}
