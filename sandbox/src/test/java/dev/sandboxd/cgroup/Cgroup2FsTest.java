package dev.sandboxd.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pod cgroup tree against a fake cgroupfs: layout, controllers, limit files, freezer, usage. */
class Cgroup2FsTest {
  static final String V1 = "30 25 0:26 / /sys/fs/cgroup/memory rw,relatime shared:10 - cgroup cgroup rw,memory";
  static final long GIB = 1L << 30;
  static final ResourcePolicy REJECT = new ResourcePolicy(0, ResourcePolicy.MissingController.reject, 4 * GIB);
  static final ResourcePolicy WARN = new ResourcePolicy(0, ResourcePolicy.MissingController.warn, 4 * GIB);

  @TempDir Path root;

  @Test
  void findsTheUnifiedMountOnAHybridHost() {
    List<String> hybrid = List.of(
        "25 24 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755", V1,
        "31 25 0:27 / /sys/fs/cgroup/unified rw,relatime shared:11 - cgroup2 cgroup2 rw");
    assertEquals(Path.of("/sys/fs/cgroup/unified"), Cgroup2Fs.findMount(hybrid));
  }

  @Test
  void prefersSysFsCgroupWhenCgroup2IsMountedThere() {
    List<String> node = List.of(
        "31 25 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
        "90 60 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw");
    assertEquals(Path.of("/sys/fs/cgroup"), Cgroup2Fs.findMount(node));
  }

  @Test
  void aHostWithoutCgroup2IsRefused() {
    assertThrows(SandboxdException.FailedPrecondition.class, () -> Cgroup2Fs.findMount(List.of(V1)));
  }

  static Pod pod(String name, String... containerResources) {
    StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", uid: " + name + "}\n"
        + "spec:\n  containers:\n");
    for (int i = 0; i < containerResources.length; i++) {
      yaml.append("  - {name: c").append(i).append(", image: busybox, resources: ").append(containerResources[i]).append("}\n");
    }
    return PodManifests.withRandomUids().parse(yaml.toString(), false).pod();
  }

  Cgroup2Fs cgroups(FakeCgroupFs fs, ResourcePolicy policy) {
    return new Cgroup2Fs(fs, "/sandboxd/", policy);
  }

  /** What sandboxd writes for a pod: the plan's pod limits into the pod cgroup. */
  static PodResources createPod(Cgroup2Fs cgroups, Pod pod) {
    PodResources plan = cgroups.plan(pod, false);
    cgroups.create(pod.metadata().uid(), plan.pod());
    return plan;
  }

  @Test
  void aPodCgroupRemovedBeforeItsFreezerStateIsReadIsNotFrozen() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "cpu", "memory", "pids");
    Cgroup2Fs cgroups = cgroups(fs, REJECT);
    Pod pod = pod("gone", "{}");
    createPod(cgroups, pod);
    fs.remove("/sandboxd/podgone"); // a pod going away while all pods are listed

    assertFalse(cgroups.frozen(pod.metadata().uid()));
  }

  @Test
  void guaranteedPodGetsWeightQuotaAndMemoryOfItsContainersSummed() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "cpuset", "cpu", "io", "memory", "hugetlb", "pids");
    Pod pod = pod("g", "{limits: {cpu: 250m, memory: 64Mi}}", "{limits: {cpu: 750m, memory: 192Mi}}");

    PodResources plan = createPod(cgroups(fs, REJECT), pod);

    assertEquals(QosClass.Guaranteed, plan.qos());
    assertEquals(Map.of(
            "cpu.weight", "39",            // 1000m -> 1024 shares
            "cpu.max", "100000 100000",
            "memory.max", Long.toString(256L << 20),
            "hugetlb.2MB.max", "0"),
        limitFiles(fs, "/sandboxd/podg"));
    assertEquals("cpu memory pids hugetlb", fs.get("/sandboxd", "cgroup.subtree_control"));
    assertEquals("cpu memory pids hugetlb", fs.get("/sandboxd/podg", "cgroup.subtree_control"), "the leaves get them too");
    assertEquals(List.of(), plan.warnings());

    PodResources.ContainerResources c0 = plan.container("c0");
    assertEquals(new CgroupLimits(OptionalLong.of(256), OptionalLong.of(25_000), OptionalLong.of(64L << 20), OptionalLong.empty(),
        OptionalLong.of(0)), c0.limits());
    assertEquals(-997, c0.oomScoreAdj());
  }

  @Test
  void burstablePodHasWeightButNoQuotaOrMemoryLimitUnlessEveryContainerHasOne() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "cpu", "memory", "hugetlb", "pids");
    Pod pod = pod("b", "{requests: {cpu: 100m, memory: 1Gi}, limits: {cpu: 500m, memory: 2Gi}}", "{requests: {cpu: 400m}}");

    PodResources plan = createPod(cgroups(fs, REJECT), pod);

    assertEquals(QosClass.Burstable, plan.qos());
    assertEquals(Map.of("cpu.weight", "20", "hugetlb.2MB.max", "0"), limitFiles(fs, "/sandboxd/podb"));
    assertEquals(new CgroupLimits(OptionalLong.of(102), OptionalLong.of(50_000), OptionalLong.of(2 * GIB), OptionalLong.empty(),
        OptionalLong.of(0)), plan.container("c0").limits());
    assertEquals(750, plan.container("c0").oomScoreAdj(), "1 GiB of 4 GiB requested");
    assertEquals(new CgroupLimits(OptionalLong.of(409), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
        OptionalLong.of(0)), plan.container("c1").limits());
    assertEquals(999, plan.container("c1").oomScoreAdj());
  }

  @Test
  void bestEffortPodGetsTheLeastWeightAndItsPidsLimit() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "cpu", "memory", "hugetlb", "pids");
    ResourcePolicy pids = new ResourcePolicy(100, ResourcePolicy.MissingController.reject, 4 * GIB);

    PodResources plan = createPod(cgroups(fs, pids), pod("be", "{}", "{}"));

    assertEquals(QosClass.BestEffort, plan.qos());
    assertEquals(Map.of("cpu.weight", "1", "pids.max", "100", "hugetlb.2MB.max", "0"), limitFiles(fs, "/sandboxd/podbe"));
    assertEquals(1000, plan.container("c0").oomScoreAdj());
    assertEquals(OptionalLong.of(2), plan.container("c0").limits().cpuShares());
  }

  @Test
  void theAnnotationOverridesTheNodesPidsLimit() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "pids");
    Pod pod = PodManifests.withRandomUids().parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, uid: p, annotations: {sandboxd.dev/pod-pids-limit: "20"}}
        spec: {containers: [{name: c, image: busybox}]}""", false).pod();
    createPod(cgroups(fs, new ResourcePolicy(1000, ResourcePolicy.MissingController.reject, GIB)), pod);
    assertEquals("20", fs.get("/sandboxd/podp", "pids.max"));

    Pod bad = PodManifests.withRandomUids().parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: q, annotations: {sandboxd.dev/pod-pids-limit: "many"}}
        spec: {containers: [{name: c, image: busybox}]}""", false).pod();
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class, () -> cgroups(fs, REJECT).plan(bad, false));
    assertTrue(e.getMessage().startsWith("metadata.annotations[sandboxd.dev/pod-pids-limit]"), e.getMessage());
  }

  @Test
  void initContainersCountWithTheLargestOfThem() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "cpu", "memory");
    Pod pod = PodManifests.withRandomUids().parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, uid: p}
        spec:
          initContainers: [{name: i, image: busybox, resources: {limits: {cpu: '2', memory: 1Gi}}}]
          containers:
          - {name: a, image: busybox, resources: {limits: {cpu: 500m, memory: 2Gi}}}
          - {name: b, image: busybox, resources: {limits: {cpu: 500m, memory: 2Gi}}}""", false).pod();
    createPod(cgroups(fs, REJECT), pod);
    assertEquals("200000 100000", fs.get("/sandboxd/podp", "cpu.max"), "init's 2 CPUs beat the apps' 1");
    assertEquals(Long.toString(4 * GIB), fs.get("/sandboxd/podp", "memory.max"), "the apps' 4Gi beat init's 1Gi");
  }

  @Test
  void aLimitWhoseControllerIsMissingIsRefusedNamingControllerAndCgroup() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "hugetlb");
    Pod pod = pod("m", "{limits: {memory: 32Mi}}");

    SandboxdException e = assertThrows(SandboxdException.FailedPrecondition.class, () -> cgroups(fs, REJECT).plan(pod, false));

    assertTrue(e.getMessage().contains("\"memory\""), e.getMessage());
    assertTrue(e.getMessage().contains("/sys/fs/cgroup/sandboxd/podm"), e.getMessage());
    assertTrue(e.getMessage().contains("available: hugetlb"), e.getMessage());
    assertFalse(fs.exists("/sandboxd/podm"));
  }

  @Test
  void withWarnTheMissingLimitIsLeftOutAndReported() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "hugetlb");
    Pod pod = pod("m", "{limits: {memory: 32Mi, cpu: 100m, hugepages-2Mi: 4Mi}}");

    PodResources plan = createPod(cgroups(fs, WARN), pod);

    assertEquals(2, plan.warnings().size(), plan.warnings().toString());
    assertTrue(plan.warnings().get(0).contains("\"cpu\""), plan.warnings().toString());
    assertTrue(plan.warnings().get(1).contains("\"memory\""), plan.warnings().toString());
    assertEquals(Map.of("hugetlb.2MB.max", Long.toString(4L << 20)), limitFiles(fs, "/sandboxd/podm"));
    assertEquals(CgroupLimits.NONE.cpuShares(), plan.container("c0").limits().cpuShares(), "no CPU setting: runc would fail");
    assertTrue(cgroups(fs, REJECT).plan(pod, true).warnings().size() == 2, "a running pod is never refused");
  }

  @Test
  void freezeThawKillUsageAndRemoval() {
    FakeCgroupFs fs = new FakeCgroupFs(root, "cpu", "memory", "pids");
    Cgroup2Fs cgroups = cgroups(fs, REJECT);
    createPod(cgroups, pod("u1", "{}"));
    String leaf = cgroups.taskPath("u1", "c1");
    assertEquals("/sandboxd/podu1/c1", leaf);
    fs.create(leaf);
    fs.set(leaf, "cgroup.procs", "42\n");
    fs.set(leaf, "memory.current", "1048576\n");
    fs.set(leaf, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3\nnr_throttled 2\nthrottled_usec 70\n");

    cgroups.freeze("u1", true);
    assertTrue(cgroups.frozen("u1"));
    cgroups.freeze("u1", false);
    assertFalse(cgroups.frozen("u1"));

    CgroupUsage usage = cgroups.usage(leaf);
    assertEquals(OptionalLong.of(1500), usage.cpuUsageUsec());
    assertEquals(OptionalLong.of(2), usage.cpuNrThrottled());
    assertEquals(OptionalLong.of(1 << 20), usage.memoryCurrentBytes());
    assertEquals(OptionalLong.of(0), usage.pidsCurrent());
    assertEquals(OptionalLong.empty(), cgroups.usage("/sandboxd/podu1/gone").memoryCurrentBytes());

    assertEquals(0, cgroups.oomKills(leaf));
    fs.set(leaf, "memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n");
    assertEquals(1, cgroups.oomKills(leaf));

    fs.create("/sandboxd/podu2");
    cgroups.remove("u1");
    assertTrue(fs.writes.contains(leaf + " cgroup.kill=1"), "what still ran in the leaf was killed: " + fs.writes);
    assertFalse(fs.exists("/sandboxd/podu1"));
    assertTrue(fs.exists("/sandboxd/podu2"));
    cgroups.remove("u1");
  }

  /** The limit files written, without the subtree_control plumbing. */
  static Map<String, String> limitFiles(FakeCgroupFs fs, String cgroup) {
    Map<String, String> written = new java.util.HashMap<>(fs.written(cgroup));
    written.remove("cgroup.subtree_control");
    return written;
  }
}
