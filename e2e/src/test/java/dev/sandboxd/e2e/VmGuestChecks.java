package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodStats;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.ResourceUsage;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.StatsRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The resource checks that need a kernel with every cgroup2 controller: run inside the hack/vm
 * guest by {@link VmResourcesE2E}, against a node (containerd + sandboxd) started there, and
 * only through sandboxd's API. Each check appends "PASS name seconds" or "FAIL name: why" to the
 * results file, so the host turns them into one test each.
 */
public final class VmGuestChecks {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Node node;

  private VmGuestChecks(Node node) {
    this.node = node;
  }

  public static void main(String[] args) throws Exception {
    Path results = Path.of(args[0]);
    Files.writeString(results, "");
    Node node;
    try {
      node = Node.start("vm");
    } catch (Exception | AssertionError e) {
      record(results, "node starts in the guest", e, 0);
      System.exit(1);
      return;
    }
    VmGuestChecks checks = new VmGuestChecks(node);
    Map<String, Check> all = new LinkedHashMap<>();
    all.put("a container over its 32Mi memory limit ends OOMKilled with exit 137", checks::oomKilled);
    all.put("a pod with a pids limit of 20 cannot start a 21st process", checks::pidsLimit);
    all.put("a container limited to 100m CPU uses 5-20% of one CPU in a busy loop", checks::cpuLimit);
    all.put("stats reports memory and CPU that match the cgroup files", checks::statsMatchCgroupFiles);
    all.put("oom_score_adj follows the QoS class; pause gets -998", checks::oomScoreAdjByQos);
    try {
      for (Map.Entry<String, Check> check : all.entrySet()) {
        Instant start = Instant.now();
        Throwable failure = null;
        try {
          check.getValue().run();
        } catch (Exception | AssertionError e) {
          failure = e;
        }
        record(results, check.getKey(), failure, Duration.between(start, Instant.now()).toMillis() / 1000.0);
      }
    } finally {
      node.close();
    }
    System.exit(0);
  }

  interface Check {
    void run() throws Exception;
  }

  private static void record(Path results, String name, Throwable failure, double seconds) throws IOException {
    String line;
    if (failure == null) {
      line = "PASS " + seconds + " " + name;
    } else {
      StringWriter trace = new StringWriter();
      failure.printStackTrace(new PrintWriter(trace));
      System.err.println(name + ":\n" + trace);
      line = "FAIL " + seconds + " " + name + " :: " + String.valueOf(failure.getMessage()).replace('\n', ' ');
    }
    Files.writeString(results, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  // --- the checks ---

  void oomKilled() throws Exception {
    Pod pod = run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: oom}
        spec:
          restartPolicy: Never
          containers:
          - name: hog
            image: %s
            command: [dd, if=/dev/zero, of=/dev/null, bs=100M, count=1]
            resources: {limits: {memory: 32Mi}}
        """.formatted(Node.BUSYBOX));
    try {
      String leaf = podPath(pod) + "/" + pod.getStatus().getContainerStatuses(0).getContainerId();
      Pod done = node.waitFor("oom", WAIT, p -> p.getStatus().getContainerStatuses(0).getState().hasTerminated());
      var terminated = done.getStatus().getContainerStatuses(0).getState().getTerminated();
      assertEquals("OOMKilled", terminated.getReason(), terminated.toString());
      assertEquals(137, terminated.getExitCode());
      assertEquals(Long.toString(32L << 20), read(leaf, "memory.max"));
      assertEquals(Long.toString(32L << 20), read(podPath(pod), "memory.max"), "the pod limit is the sum of its containers'");
      assertTrue(read(leaf, "memory.events").matches("(?s).*oom_kill [1-9].*"), read(leaf, "memory.events"));
    } finally {
      remove("oom");
    }
  }

  void pidsLimit() throws Exception {
    // A subshell forks sleepers until the kernel refuses: pause, the shell, the subshell and 17
    // sleepers make 20. The refused fork ends the subshell (ash raises on it); the shell goes on.
    Pod pod = run("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: forks
          annotations: {sandboxd.dev/pod-pids-limit: "20"}
        spec:
          containers:
          - name: forker
            image: %s
            command: [sh, -c, '(i=0; while [ $i -lt 30 ]; do sleep 600 & i=$((i+1)); done); exec sleep 600']
        """.formatted(Node.BUSYBOX));
    try {
      String podPath = podPath(pod);
      String leaf = podPath + "/" + pod.getStatus().getContainerStatuses(0).getContainerId();
      assertEquals("20", read(podPath, "pids.max"));
      Instant deadline = Instant.now().plus(WAIT);
      while (!(refusedForks(podPath, leaf) && read(podPath, "pids.current").equals("19")) && Instant.now().isBefore(deadline)) {
        Thread.sleep(200);
      }
      assertTrue(refusedForks(podPath, leaf), "no fork was refused: " + read(leaf, "pids.events"));
      assertEquals("19", read(podPath, "pids.current"), "20 at the refused fork, less the subshell that ended on it");
      assertEquals(19, stats("forks").getUsage().getPidsCurrent(), "stats shows the same count");
    } finally {
      remove("forks");
    }
  }

  /** Kernel 6.1 counts a refused fork in the forking task's cgroup, later kernels in the limited one. */
  private boolean refusedForks(String podPath, String leaf) throws IOException {
    return read(leaf, "pids.events").matches("(?s).*max [1-9].*") || read(podPath, "pids.events").matches("(?s).*max [1-9].*");
  }

  void cpuLimit() throws Exception {
    Pod pod = run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: spin}
        spec:
          containers:
          - name: loop
            image: %s
            command: [sh, -c, 'while :; do :; done']
            resources: {limits: {cpu: 100m}}
        """.formatted(Node.BUSYBOX));
    try {
      String leaf = podPath(pod) + "/" + pod.getStatus().getContainerStatuses(0).getContainerId();
      assertEquals("10000 100000", read(leaf, "cpu.max"));
      assertEquals("10000 100000", read(podPath(pod), "cpu.max"));
      Thread.sleep(1000); // past the start-up burst
      long before = stats("spin").getContainers(0).getUsage().getCpuUsageUsec();
      Instant start = Instant.now();
      Thread.sleep(3000);
      long after = stats("spin").getContainers(0).getUsage().getCpuUsageUsec();
      double share = (after - before) / (double) Duration.between(start, Instant.now()).toNanos() * 1000;
      assertTrue(share >= 0.05 && share <= 0.20, String.format("used %.1f%% of one CPU", share * 100));
      assertTrue(stats("spin").getContainers(0).getUsage().getCpuNrThrottled() > 0, "the kernel throttled it");
    } finally {
      remove("spin");
    }
  }

  void statsMatchCgroupFiles() throws Exception {
    Pod pod = run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: idle}
        spec:
          containers:
          - name: holder
            image: %s
            command: [sh, -c, 'mkdir -p /dev/shm/x && head -c 8388608 /dev/zero > /dev/shm/x/fill && exec sleep 600']
            resources: {limits: {memory: 64Mi, cpu: 500m}}
        """.formatted(Node.BUSYBOX));
    try {
      String leaf = podPath(pod) + "/" + pod.getStatus().getContainerStatuses(0).getContainerId();
      Instant deadline = Instant.now().plus(WAIT);
      while (Long.parseLong(read(leaf, "memory.current")) < (8L << 20) && Instant.now().isBefore(deadline)) {
        Thread.sleep(200);
      }
      long cpuBefore = cpuUsage(leaf);
      long memoryBefore = Long.parseLong(read(leaf, "memory.current"));
      ResourceUsage usage = stats("idle").getContainers(0).getUsage();
      long cpuAfter = cpuUsage(leaf);
      long memoryAfter = Long.parseLong(read(leaf, "memory.current"));
      assertTrue(usage.getMemoryCurrentBytes() >= (8L << 20), "the 8 MiB written to /dev/shm count: " + usage);
      // memory.current moves with per-CPU charge batches: a few hundred KiB either way between reads.
      assertTrue(within(usage.getMemoryCurrentBytes(), memoryBefore, memoryAfter, 512 << 10),
          usage.getMemoryCurrentBytes() + " vs memory.current " + memoryBefore + ".." + memoryAfter);
      assertTrue(usage.getMemoryPeakBytes() >= usage.getMemoryCurrentBytes(), usage.toString());
      assertTrue(within(usage.getCpuUsageUsec(), cpuBefore, cpuAfter, 0), usage.getCpuUsageUsec() + " vs " + cpuBefore + ".." + cpuAfter);
      assertTrue(usage.getPidsCurrent() >= 1, usage.toString());
    } finally {
      remove("idle");
    }
  }

  void oomScoreAdjByQos() throws Exception {
    Pod pod = run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: qos}
        spec:
          containers:
          - {name: g, image: %1$s, command: [sleep, "600"], resources: {limits: {cpu: 100m, memory: 16Mi}}}
        """.formatted(Node.BUSYBOX));
    Pod bestEffort = run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: be}
        spec:
          containers:
          - {name: b, image: %1$s, command: [sleep, "600"]}
        """.formatted(Node.BUSYBOX));
    try {
      assertEquals("Guaranteed", pod.getStatus().getQosClass());
      assertEquals("BestEffort", bestEffort.getStatus().getQosClass());
      assertEquals("-997", oomScoreAdj(pod.getStatus().getContainerStatuses(0).getPid()));
      assertEquals("1000", oomScoreAdj(bestEffort.getStatus().getContainerStatuses(0).getPid()));
      assertEquals("-998", oomScoreAdj(pod.getStatus().getSandbox().getPid()));
      assertEquals("1", read(podPath(bestEffort), "cpu.weight"), "BestEffort: the least CPU weight");
      assertEquals("4", read(podPath(pod), "cpu.weight"), "100m: 102 shares");
    } finally {
      remove("qos");
      remove("be");
    }
  }

  // --- helpers ---

  private static boolean within(long value, long low, long high, long slack) {
    return value >= Math.min(low, high) - slack && value <= Math.max(low, high) + slack;
  }

  private long cpuUsage(String cgroup) throws IOException {
    for (String line : read(cgroup, "cpu.stat").split("\n")) {
      if (line.startsWith("usage_usec ")) {
        return Long.parseLong(line.substring("usage_usec ".length()));
      }
    }
    throw new AssertionError("no usage_usec in " + cgroup + "/cpu.stat");
  }

  private static String oomScoreAdj(long pid) throws IOException {
    return Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).trim();
  }

  private Pod run(String manifest) {
    return node.pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build()).getPod();
  }

  private PodStats stats(String name) {
    return node.pods().stats(StatsRequest.newBuilder().setPod(ref(name)).build()).getPods(0);
  }

  private void remove(String name) {
    node.pods().removePod(RemovePodRequest.newBuilder().setPod(ref(name)).setForce(true).build());
  }



  private static PodRef ref(String name) {
    return PodRef.newBuilder().setRef(name).build();
  }

  private String podPath(Pod pod) {
    return node.cgroupParent() + "/pod" + pod.getMetadata().getUid();
  }

  private String read(String cgroup, String file) throws IOException {
    return Files.readString(node.cgroupRoot().resolve(cgroup.substring(1)).resolve(file)).trim();
  }
}
