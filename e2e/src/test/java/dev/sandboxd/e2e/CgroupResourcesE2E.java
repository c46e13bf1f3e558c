package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ContainerStats;
import dev.sandboxd.api.v1.PausePodRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodStats;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.StatsRequest;
import dev.sandboxd.api.v1.UnpausePodRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pod cgroup tree on this machine's cgroup2 hierarchy, which offers only hugetlb: layout,
 * placement of every task, a hugetlb limit, the freezer, removal, and refusal of limits whose
 * controller is missing. Enforcement of memory, CPU and pids runs in a VM (VmResourcesE2E).
 */
class CgroupResourcesE2E {
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("cgroup");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  static String hugePod(String name) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers:
          - {name: a, image: %s, command: [sleep, "3600"], resources: {limits: {hugepages-2Mi: 4Mi}}}
          - {name: b, image: %2$s, command: [sleep, "3601"]}
        """.formatted(name, Node.BUSYBOX);
  }

  @Test
  void everyTaskLivesInItsOwnLeafOfThePodCgroupWithTheHugetlbLimit() throws Exception {
    Pod pod = run(hugePod("huge"));
    try {
      String uid = pod.getMetadata().getUid();
      String podPath = node.cgroupParent() + "/pod" + uid;
      String sandboxId = pod.getStatus().getSandbox().getId();
      assertEquals(podPath + "/" + sandboxId, pod.getStatus().getSandbox().getCgroupPath());
      assertTrue(Files.isDirectory(dir(podPath)), podPath);
      assertEquals("BestEffort", pod.getStatus().getQosClass());

      // The pause task and each container: /proc/<pid>/cgroup names its own leaf.
      assertEquals("0::" + podPath + "/" + sandboxId, unifiedLine(pod.getStatus().getSandbox().getPid()));
      PodStats stats = stats("huge");
      assertEquals(podPath, stats.getCgroupPath());
      for (var c : pod.getStatus().getContainerStatusesList()) {
        String leaf = podPath + "/" + c.getContainerId();
        assertEquals("0::" + leaf, unifiedLine(c.getPid()), c.getName());
        assertTrue(Files.isDirectory(dir(leaf)), leaf);
        ContainerStats s = stats.getContainersList().stream().filter(x -> x.getName().equals(c.getName())).findFirst().orElseThrow();
        assertEquals(leaf, s.getCgroupPath());
        assertTrue(s.getUsage().hasCpuUsageUsec(), "cpu.stat is a core file: " + s);
        assertFalse(s.getUsage().hasMemoryCurrentBytes(), "no memory controller here");
      }

      // hugetlb: the pod gets the sum, container a its own limit, b none (0, as kubelet sets it).
      String a = pod.getStatus().getContainerStatuses(0).getContainerId();
      String b = pod.getStatus().getContainerStatuses(1).getContainerId();
      assertEquals(Long.toString(4L << 20), read(podPath, "hugetlb.2MB.max"));
      assertEquals(Long.toString(4L << 20), read(podPath + "/" + a, "hugetlb.2MB.max"));
      assertEquals("0", read(podPath + "/" + b, "hugetlb.2MB.max"));
    } finally {
      remove("huge");
    }
  }

  @Test
  void pauseFreezesThePodCgroupAndUnpauseThawsIt() throws Exception {
    Pod pod = run(hugePod("frozen"));
    String podPath = node.cgroupParent() + "/pod" + pod.getMetadata().getUid();
    try {
      Pod paused = node.pods().pausePod(PausePodRequest.newBuilder().setPod(ref("frozen")).build()).getPod();
      assertTrue(paused.getStatus().getFrozen());
      assertTrue(read(podPath, "cgroup.events").contains("frozen 1"), read(podPath, "cgroup.events"));

      Pod thawed = node.pods().unpausePod(UnpausePodRequest.newBuilder().setPod(ref("frozen")).build()).getPod();
      assertFalse(thawed.getStatus().getFrozen());
      assertTrue(read(podPath, "cgroup.events").contains("frozen 0"), read(podPath, "cgroup.events"));

      // A paused pod is still removed at once: cgroup.kill, then the leftovers.
      node.pods().pausePod(PausePodRequest.newBuilder().setPod(ref("frozen")).build());
    } finally {
      remove("frozen");
    }
    assertFalse(Files.exists(dir(podPath)), "the pod cgroup is gone after rm");
  }

  @Test
  void aMemoryLimitIsRefusedNamingTheControllerAndTheCgroup() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: mem, uid: mem-uid}
        spec:
          containers:
          - {name: a, image: %s, command: [sleep, "3600"], resources: {limits: {memory: 32Mi}}}
        """.formatted(Node.BUSYBOX)));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    String message = e.getStatus().getDescription();
    assertTrue(message.contains("cgroup controller \"memory\""), message);
    assertTrue(message.contains(node.cgroupParent() + "/podmem-uid"), message);
    assertFalse(Files.exists(dir(node.cgroupParent() + "/podmem-uid")));
  }

  // --- helpers ---

  static Pod run(String manifest) {
    return node.pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build()).getPod();
  }

  static PodStats stats(String pod) {
    List<PodStats> pods = node.pods().stats(StatsRequest.newBuilder().setPod(ref(pod)).build()).getPodsList();
    assertEquals(1, pods.size());
    return pods.get(0);
  }

  static void remove(String pod) {
    node.pods().removePod(RemovePodRequest.newBuilder().setPod(ref(pod)).setForce(true).build());
  }

  static PodRef ref(String ref) {
    return PodRef.newBuilder().setRef(ref).build();
  }

  static Path dir(String cgroup) {
    return node.cgroupRoot().resolve(cgroup.substring(1));
  }

  static String read(String cgroup, String file) throws IOException {
    return Files.readString(dir(cgroup).resolve(file)).trim();
  }

  /** The cgroup2 line of a process ("0::/path"), as the host sees it. */
  static String unifiedLine(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
        .filter(l -> l.startsWith("0::")).findFirst().orElseThrow();
  }
}
