package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.RunPodRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Static pods: a node whose sandboxd runs every manifest in a directory, and follows the files
 * as they are written, edited, broken and deleted, also across a restart of sandboxd.
 */
class StaticPodsE2E {
  /** How soon a change of a file must show; the watch and a 200 ms debounce make it ~1 s. */
  static final Duration PROMPTLY = Duration.ofSeconds(10);
  /** A restart of sandboxd (a JVM start and recovery) comes on top. */
  static final Duration AFTER_RESTART = Duration.ofSeconds(30);

  private static Path manifests;
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    manifests = Path.of("/run", "sandboxd-e2e-static-manifests-" + ProcessHandle.current().pid());
    Files.createDirectories(manifests);
    // There before the node imports busybox: its first run fails, and a retry must follow.
    write("early.yaml", web("v1", "3600").replace("name: web", "name: early"));
    // Its image is not there yet, nor in any registry: a pull fails and is retried after the
    // back-off, a short one here so that the import is seen promptly.
    node = Node.start("static", "--manifest-dir", manifests.toString(), "--image-pull-backoff", "1s",
        "--image-pull-backoff-max", "2s");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
    if (manifests != null) {
      try (Stream<Path> files = Files.walk(manifests)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Test
  void aPodFileWrittenBeforeItsImageWasImportedRunsOnceItIs() throws Exception {
    waitFor("early", "to run", PROMPTLY, p -> p.isPresent() && running(p.get()));
    Files.delete(manifests.resolve("early.yaml"));
    waitFor("early", "to be removed", PROMPTLY, Optional::isEmpty);
  }

  @Test
  void aPodFileRunsIsRecreatedWhenEditedOutlivesABrokenEditAndGoesWithTheFile() throws Exception {
    // Written as an editor does: elsewhere, then renamed into place.
    write("web.yaml", web("v1", "3600"));
    Pod first = waitFor("web", "to run", PROMPTLY, p -> p.isPresent() && running(p.get())).orElseThrow();
    assertEquals("web.yaml", first.getMetadata().getAnnotationsOrThrow("sandboxd.dev/static-pod-source"));

    write("web.yaml", web("v2", "3601"));
    Pod second = waitFor("web", "to be recreated", PROMPTLY,
        p -> p.isPresent() && running(p.get()) && p.get().getMetadata().getLabelsOrDefault("version", "").equals("v2"))
        .orElseThrow();
    assertNotEquals(first.getStatus().getSandbox().getId(), second.getStatus().getSandbox().getId());
    assertNotEquals(first.getMetadata().getUid(), second.getMetadata().getUid());

    write("web.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web\n");
    Path log = node.dir.resolve("sandboxd.log");
    waitUntil("sandboxd.log names the broken file", () -> read(log).contains("web.yaml: manifest is not valid YAML"));
    Pod afterBreak = inspect("web").orElseThrow();
    assertEquals(second.getStatus().getSandbox().getId(), afterBreak.getStatus().getSandbox().getId(),
        "a broken file leaves its pod running");
    assertTrue(running(afterBreak));

    Files.delete(manifests.resolve("web.yaml"));
    waitFor("web", "to be removed", PROMPTLY, Optional::isEmpty);
  }

  @Test
  void podsRunByHandAreLeftAloneAndAFileNamingOneWaitsForIt() throws Exception {
    node.pods().runPod(RunPodRequest.newBuilder().setManifest(web("by-hand", "3600").replace("name: web", "name: manual")).build());
    write("manual.yaml", web("from-file", "3600").replace("name: web", "name: manual"));
    Path log = node.dir.resolve("sandboxd.log");
    waitUntil("the clash is logged", () -> read(log).contains("manual.yaml: cannot run pod default/manual"));
    assertEquals("by-hand", inspect("manual").orElseThrow().getMetadata().getLabelsOrThrow("version"));

    // Once the hand-made pod is gone, the file's pod follows within the back-off.
    node.pods().removePod(RemovePodRequest.newBuilder().setPod(PodRef.newBuilder().setRef("manual")).setForce(true).build());
    waitFor("manual", "to run from its file", PROMPTLY, p -> p.isPresent() && running(p.get())
        && p.get().getMetadata().getLabelsOrDefault("version", "").equals("from-file"));
    Files.delete(manifests.resolve("manual.yaml"));
    waitFor("manual", "to be removed", PROMPTLY, Optional::isEmpty);
  }

  @Test
  void afterARestartOfSandboxdAnUnchangedPodIsKeptAndADeletedOneRemoved() throws Exception {
    write("keep.yaml", web("v1", "3600").replace("name: web", "name: keep"));
    write("drop.yaml", web("v1", "3600").replace("name: web", "name: drop"));
    Pod kept = waitFor("keep", "to run", PROMPTLY, p -> p.isPresent() && running(p.get())).orElseThrow();
    waitFor("drop", "to run", PROMPTLY, p -> p.isPresent() && running(p.get()));

    hackNode("stop-sandboxd");
    Files.delete(manifests.resolve("drop.yaml"));
    hackNode("start-sandboxd", "--", "--manifest-dir", manifests.toString());

    waitFor("drop", "to be removed after the restart", AFTER_RESTART, Optional::isEmpty);
    assertEquals(kept.getStatus().getSandbox().getId(), inspect("keep").orElseThrow().getStatus().getSandbox().getId(),
        "the unchanged pod was recognised and kept");
    Files.delete(manifests.resolve("keep.yaml"));
    waitFor("keep", "to be removed", PROMPTLY, Optional::isEmpty);
  }

  // --- helpers ---

  static String web(String version, String seconds) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels: {version: %s}
        spec:
          containers:
          - {name: main, image: %s, command: [sleep, "%s"]}
        """.formatted(version, Node.BUSYBOX, seconds);
  }

  static void write(String file, String text) throws IOException {
    Path tmp = manifests.resolve("." + file + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, manifests.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  static boolean running(Pod pod) {
    return pod.getStatus().getPhase().equals("Running")
        && pod.getStatus().getContainerStatusesList().stream().allMatch(c -> c.getState().hasRunning());
  }

  static Optional<Pod> inspect(String name) {
    return node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsList().stream()
        .filter(p -> p.getMetadata().getName().equals(name))
        .findFirst();
  }

  /** Polls until the pod (or its absence) satisfies condition; sandboxd may be restarting meanwhile. */
  static Optional<Pod> waitFor(String name, String what, Duration within, Predicate<Optional<Pod>> condition)
      throws InterruptedException {
    Instant start = Instant.now();
    String last;
    while (true) {
      try {
        Optional<Pod> pod = inspect(name);
        if (condition.test(pod)) {
          System.out.printf("static pod %s came %s in %d ms%n", name, what, Duration.between(start, Instant.now()).toMillis());
          return pod;
        }
        last = pod.toString();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          throw e;
        }
        last = "sandboxd unavailable";
      }
      if (Instant.now().isAfter(start.plus(within))) {
        throw new AssertionError("pod " + name + " did not come " + what + " within " + within.toSeconds() + " s: "
            + last + "\n" + Node.tail(node.dir.resolve("sandboxd.log")));
      }
      Thread.sleep(100);
    }
  }

  static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(PROMPTLY);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("not within " + PROMPTLY.toSeconds() + " s: " + what + "\n"
            + Node.tail(node.dir.resolve("sandboxd.log")));
      }
      Thread.sleep(100);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static void hackNode(String... args) throws IOException, InterruptedException {
    String[] cmd = Stream.concat(
            Stream.of(Node.REPO.resolve("hack/node").toString(), args[0], "--dir", node.dir.toString()),
            Stream.of(args).skip(1))
        .toArray(String[]::new);
    Node.Result r = Node.Command.run(cmd);
    assertEquals(0, r.exitCode(), () -> String.join(" ", cmd) + ": " + r.stderr());
  }
}
