package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.LogChunk;
import dev.sandboxd.api.v1.LogsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.containerd.UnixSocketChannels;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Container output cannot fill the disk or sandboxd's memory: logs rotate at a small size on
 * this node (1Mi × 3 files), log streams follow the client's pace, exec refuses huge output.
 */
class ContainerLogsE2E {
  private static final long MAX_SIZE = 1 << 20;
  private static final int MAX_FILES = 3;
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("logs", "--container-log-max-size", "1Mi", "--container-log-max-files", String.valueOf(MAX_FILES));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aStdoutFloodStaysWithinMaxSizeTimesMaxFilesAcrossASandboxdRestart() throws Exception {
    // yes for 10 s, then one last line: what `logs` must still return. kill only sends the
    // signal: yes may still be finishing a pipe write larger than the pipe's atomic size, whose
    // rest would land after the echo (CI saw "flood-line-of-the-last-line", then "stdout"), so
    // the shell waits for it; and the shell's stderr is off, or its job report ("Terminated")
    // would follow the last line.
    Pod pod = node.run(flooder("flood",
        "exec 2>/dev/null; yes flood-line-of-stdout & sleep 10; kill $!; wait $!; echo the-last-line; sleep 3600"));
    Instant floodEnds = Instant.now().plusSeconds(10);
    try {
      Path logs = logDir(pod, "c");
      StringBuilder seen = new StringBuilder();
      long most = sampleUntil(logs, Instant.now().plusSeconds(3), seen);
      // Logging goes on without sandboxd: the shim's logger holds the pipes.
      node.killSandboxd();
      most = Math.max(most, sampleUntil(logs, Instant.now().plusSeconds(2), seen));
      node.startSandboxd();
      most = Math.max(most, sampleUntil(logs, floodEnds, seen));
      assertTrue(most > MAX_SIZE, "the flood filled more than one file: " + seen);
      Instant deadline = Instant.now().plusSeconds(30);
      String tail = "";
      int length = 0;
      while (Instant.now().isBefore(deadline) && !tail.endsWith("the-last-line\n")) {
        Thread.sleep(500);
        String log = node.logs("flood", "c");
        length = log.length();
        tail = log.substring(Math.max(0, length - 100));
      }
      // yes is killed wherever it was, mid-line or not.
      assertTrue(tail.endsWith("the-last-line\n") && tail.contains("flood-line-of-stdout\n"),
          "logs gave " + length + " characters ending in: " + tail + "; on disk: " + listing(logs)
              + "; sizes seen: " + seen + "; the pod: " + node.inspect("flood").getStatus() + "\n" + node.sandboxdLog());
      assertTrue(totalBytes(logs) <= MAX_SIZE * MAX_FILES, "after the flood: " + totalBytes(logs) + " bytes");
      try (Stream<Path> files = Files.list(logs)) {
        assertEquals(List.of("0.log", "0.log.1", "0.log.2"), files.map(p -> p.getFileName().toString()).sorted().toList());
      }
    } finally {
      node.removeForce("flood");
    }
  }

  @Test
  void twoSlowFollowersOfAFloodDoNotGrowSandboxdsMemory() throws Exception {
    Pod pod = node.run(flooder("slow", "exec yes a-line-for-slow-readers"));
    ManagedChannel channel = UnixSocketChannels.open(Path.of(node.sandboxdAddress()), "slow-readers", 64 << 20);
    ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
    List<ClientCallStreamObserver<LogsRequest>> calls = new ArrayList<>();
    try {
      Path logs = logDir(pod, "c");
      while (totalBytes(logs) < 2 * MAX_SIZE) {
        Thread.sleep(100);
      }
      // Warm-up: fast readers, so the baseline includes whatever a log read needs once.
      for (int i = 0; i < 3; i++) {
        readFast(4 << 20);
      }
      long pid = sandboxdPid();
      long baseline = rssBytes(pid);
      AtomicLong received = new AtomicLong();
      for (int i = 0; i < 2; i++) {
        calls.add(slowFollower(channel, pace, received));
      }
      long peak = baseline;
      Instant end = Instant.now().plusSeconds(15);
      while (Instant.now().isBefore(end)) {
        Thread.sleep(500);
        peak = Math.max(peak, rssBytes(pid));
      }
      assertTrue(received.get() > 0, "the slow readers got something");
      assertTrue(peak - baseline < 50L << 20,
          "sandboxd's RSS went from " + (baseline >> 20) + " MiB to " + (peak >> 20) + " MiB with two slow followers");
    } finally {
      calls.forEach(c -> c.cancel("done", null));
      pace.shutdownNow();
      channel.shutdownNow();
      node.removeForce("slow");
    }
  }

  @Test
  void execOutputOverTheLimitFailsNamingItInsteadOfBeingCut() throws Exception {
    node.run(flooder("exec-big", "sleep 3600"));
    try {
      ExecResponse small = node.exec("exec-big", "c", "head", "-c", "1000", "/dev/zero");
      assertEquals(1000, small.getStdout().size());
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> node.exec("exec-big", "c", "head", "-c", String.valueOf((16 << 20) + 1), "/dev/zero"));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
      assertTrue(e.getStatus().getDescription().contains("16 MiB"), e.getStatus().getDescription());
    } finally {
      node.removeForce("exec-big");
    }
  }

  /** Reads the log as fast as it comes, up to limit bytes. */
  private static void readFast(long limit) {
    try (Context.CancellableContext read = Context.current().withCancellation()) {
      read.run(() -> {
        Iterator<LogChunk> chunks = node.pods().logs(LogsRequest.newBuilder().setPod(Node.ref("slow")).setContainer("c").build());
        long n = 0;
        while (n < limit && chunks.hasNext()) {
          n += chunks.next().getData().size();
        }
      });
    }
  }

  /** Follows a log, asking for one message every 2 s: far slower than the flood. */
  private static ClientCallStreamObserver<LogsRequest> slowFollower(
      ManagedChannel channel, ScheduledExecutorService pace, AtomicLong received) {
    List<ClientCallStreamObserver<LogsRequest>> started = new ArrayList<>();
    PodsGrpc.newStub(channel).logs(
        LogsRequest.newBuilder().setPod(Node.ref("slow")).setContainer("c").setFollow(true).build(),
        new ClientResponseObserver<LogsRequest, LogChunk>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<LogsRequest> call) {
            call.disableAutoRequestWithInitial(1);
            started.add(call);
            pace.scheduleAtFixedRate(() -> call.request(1), 2, 2, TimeUnit.SECONDS);
          }

          @Override
          public void onNext(LogChunk chunk) {
            received.addAndGet(chunk.getData().size());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    return started.get(0);
  }

  private static String flooder(String name, String script) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          restartPolicy: Never
          containers:
          - name: c
            image: %s
            command: [sh, -c, '%s']
        """.formatted(name, Node.BUSYBOX, script);
  }

  private static Path logDir(Pod pod, String container) {
    return node.dir.resolve("sandboxd/root/pods").resolve(pod.getMetadata().getUid()).resolve("logs").resolve(container);
  }

  /**
   * Sizes the log every 100 ms until the deadline, failing on the first size over the bound;
   * returns the largest seen and notes each in seen (for the message of a later failure). One
   * sizing alone can miss files: the logger rotates every few milliseconds under a flood, and a
   * file renamed between the listing and its size is not counted (CI saw one full file of three).
   */
  private static long sampleUntil(Path logs, Instant deadline, StringBuilder seen) throws IOException, InterruptedException {
    long most = 0;
    while (Instant.now().isBefore(deadline)) {
      long total = totalBytes(logs);
      seen.append(total).append(' ');
      assertTrue(total <= MAX_SIZE * MAX_FILES, "yes left " + total + " bytes of logs in " + logs + "; sizes seen: " + seen);
      most = Math.max(most, total);
      Thread.sleep(100);
    }
    return most;
  }

  /** Each file's name and size, for failure messages. */
  private static String listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      StringBuilder out = new StringBuilder();
      for (Path f : files.sorted().toList()) {
        out.append(f.getFileName()).append('=').append(Files.size(f)).append(' ');
      }
      return out.toString();
    }
  }

  private static long totalBytes(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long total = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        try {
          total += Files.size(f);
        } catch (NoSuchFileException rotatedAway) {
          // the writer rotated it out between the listing and the size
        }
      }
    }
    return total;
  }

  private static long sandboxdPid() throws IOException {
    return Long.parseLong(Files.readString(node.dir.resolve("sandboxd.pid")).trim());
  }

  /** VmRSS of /proc/PID/status. */
  private static long rssBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }
}
