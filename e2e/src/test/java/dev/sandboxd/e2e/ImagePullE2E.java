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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
          - {name: app, image: '%s', %s command: [busybox, sleep, '3600']}
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
      assertEquals("pulled", node.exec("first", "app", "busybox", "cat", "/marker").getStdout().toStringUtf8());

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

  /** Done-when 3a: five pods asking for one image at once cause one pull. */
  @Test
  void fivePodsOnePull() throws Exception {
    registry.push("app", "5.0", OciTestArchive.busybox(Node.REPO.resolve(".cache/root/bin/busybox"), "app", "marker", "five"));
    String ref = registry.host() + "/app:5.0";
    ExecutorService threads = Executors.newFixedThreadPool(5);
    try {
      List<Future<Pod>> runs = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String name = "five-" + i;
        runs.add(threads.submit(() -> node.run(pod(name, ref, "IfNotPresent"))));
      }
      for (Future<Pod> run : runs) {
        run.get(60, TimeUnit.SECONDS);
      }
      for (int i = 0; i < 5; i++) {
        node.waitFor("five-" + i, Duration.ofSeconds(60), ImagePullE2E::running);
      }
      assertEquals(1, registry.pullsOf("app", "5.0"), "one pull for five pods");
    } finally {
      threads.shutdownNow();
      for (int i = 0; i < 5; i++) {
        try {
          node.removeForce("five-" + i);
        } catch (RuntimeException ignored) {
          // not run: the assertion before says why
        }
      }
    }
  }

  /**
   * Done-when 3b: the registry stopped in the middle of a large pull: a clear error naming the
   * image, no image listed, and after `image prune` none of its content left in containerd.
   */
  @Test
  void registryStoppedMidPull() throws Exception {
    OciTestArchive.Built big = OciTestArchive.random("big", 24);
    registry.push("big", "1.0", big);
    try (ThrottledProxy proxy = new ThrottledProxy(registry.port, 4 << 20)) {
      String proxied = "127.0.0.1:" + proxy.port();
      registry.writeConfig(config, TestRegistry.PASSWORD, proxied);
      String ref = proxied + "/big:1.0";
      CompletableFuture<Node.Cli> pull = CompletableFuture.supplyAsync(() -> node.sandboxctl("image", "pull", ref));
      Instant deadline = Instant.now().plusSeconds(30);
      while (proxy.relayed.get() < (4 << 20) && Instant.now().isBefore(deadline) && !pull.isDone()) {
        Thread.sleep(50);
      }
      assertTrue(proxy.relayed.get() >= 4 << 20 && !pull.isDone(), "the pull is under way: " + proxy.relayed.get());
      registry.stopProcess();
      proxy.close();
      Node.Cli result = pull.get(60, TimeUnit.SECONDS);
      assertTrue(result.code() != 0, result.out());
      assertTrue(result.err().contains(ref), result.err());
      assertTrue(result.err().contains("registry unreachable"), result.err());
    } finally {
      registry.startProcess();
      registry.writeConfig(config, TestRegistry.PASSWORD);
    }
    assertTrue(!node.sandboxctl("image", "ls").out().contains("big"), "no image listed");
    assertEquals(0, node.sandboxctl("image", "prune").code());
    String layer = big.layerDigest();
    Instant deadline = Instant.now().plusSeconds(20);
    String content = node.ctr("content", "ls").stdout() + node.ctr("content", "active").stdout();
    while ((content.contains(layer.substring(7, 19)) || content.contains(layer)) && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
      content = node.ctr("content", "ls").stdout() + node.ctr("content", "active").stdout();
    }
    assertTrue(!content.contains(layer), "no content of the cut pull is left: " + content);
  }

  /** Done-when 4: progress per part on a terminal (a pty from script(1)), one line otherwise. */
  @Test
  void pullProgress() throws Exception {
    registry.push("app", "4.0", OciTestArchive.busybox(Node.REPO.resolve(".cache/root/bin/busybox"), "app", "marker", "tty"));
    registry.push("app", "4.1", OciTestArchive.busybox(Node.REPO.resolve(".cache/root/bin/busybox"), "app", "marker", "plain"));
    String ttyRef = registry.host() + "/app:4.0";
    Node.Result tty = Node.Command.run("env", "SANDBOXD_ADDRESS=" + node.sandboxdAddress(), "script", "-qec",
        Node.REPO.resolve("hack/sandboxctl") + " image pull " + ttyRef, "/dev/null");
    assertEquals(0, tty.exitCode(), tty.stdout() + tty.stderr());
    assertTrue(tty.stdout().contains("\033[2K"), "lines redrawn in place: " + tty.stdout());
    assertTrue(tty.stdout().contains("layer-"), "a line for the layer: " + tty.stdout());
    assertTrue(tty.stdout().matches("(?s).*\\d+(\\.\\d)? (B|KiB|MiB) / \\d+(\\.\\d)? (B|KiB|MiB).*"), "bytes: " + tty.stdout());
    assertTrue(tty.stdout().contains("pulled " + ttyRef), tty.stdout());

    String plainRef = registry.host() + "/app:4.1";
    Node.Cli plain = node.sandboxctl("image", "pull", plainRef);
    assertEquals(0, plain.code(), plain.err());
    assertEquals(1, plain.out().lines().count(), plain.out());
    assertTrue(plain.out().startsWith("pulled " + plainRef + " sha256:"), plain.out());
    assertTrue(node.sandboxctl("image", "ls").out().contains(plainRef));
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
