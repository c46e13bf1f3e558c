package dev.sandboxd.monitoring;

import dev.sandboxd.cgroup.Cgroup2Fs;
import dev.sandboxd.cgroup.QosClass;
import dev.sandboxd.cgroup.FakeCgroupFs;
import dev.sandboxd.cgroup.ResourcePolicy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.ContainerStatus;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.lifecycle.UnsupportedPodLifecycle;
import dev.sandboxd.lifecycle.PodPhase;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.lifecycle.SandboxStatus;
import dev.sandboxd.metrics.PodSnapshot;
import dev.sandboxd.metrics.PodUsage;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitoringTest {
  private final RecordingMetrics metrics = new RecordingMetrics();

  private static Pod pod(String name) {
    return PodManifests.withRandomUids().parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: team-a}
        spec:
          containers: [{name: app, image: busybox}]
        """.formatted(name), false).pod();
  }

  private static PodStatus status(String name, PodPhase phase, ContainerStatus.State state) {
    Instant now = Instant.EPOCH;
    return new PodStatus(pod(name), now, phase,
        new SandboxStatus("sb", SandboxStatus.State.Ready, 1, "/sandboxd/pod-" + name + "/sb", "", now),
        List.of(),
        List.of(new ContainerStatus("app", "busybox", "c1", state, Optional.empty(), 1, 0, true, true, "")),
        QosClass.BestEffort, false, List.of(), List.of(), "");
  }

  @Test
  void snapshotsCountPhasesAndStatesAndReadThePodCgroup() {
    List<String> read = new java.util.ArrayList<>();
    PodUsageSource usage = (ns, name, cgroup) -> {
      read.add(ns + "/" + name + " " + cgroup);
      return new PodUsage(ns, name, OptionalDouble.of(1), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());
    };
    List<PodStatus> pods = List.of(
        status("web", PodPhase.Running, new ContainerStatus.Running(Instant.EPOCH)),
        status("job", PodPhase.Pending, new ContainerStatus.Waiting("CrashLoopBackOff", "")));
    new PodSnapshots(new ListOnly(pods), usage, metrics).run();
    PodSnapshot snapshot = metrics.snapshots.get(0);
    assertEquals(1L, snapshot.podsByPhase().get("Running"));
    assertEquals(1L, snapshot.podsByPhase().get("Pending"));
    assertEquals(0L, snapshot.podsByPhase().get("Failed"), "every phase has a series, zero or not");
    assertEquals(1L, snapshot.containersByState().get("running"));
    assertEquals(1L, snapshot.containersByState().get("waiting"));
    assertEquals(0L, snapshot.containersByState().get("terminated"));
    assertEquals(List.of("team-a/web /sandboxd/pod-web", "team-a/job /sandboxd/pod-job"), read);
    assertEquals(2, snapshot.usage().size());
  }

  @Test
  void cgroupUsageIsWhatTheKernelOffersAndNothingElse(@TempDir Path root) {
    FakeCgroupFs fs = new FakeCgroupFs(root, "cpu", "memory", "pids");
    fs.set("/sandboxd/pod-1", "cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
    fs.set("/sandboxd/pod-1", "memory.current", "10000\n");
    fs.set("/sandboxd/pod-1", "memory.stat", "anon 6000\nfile 4000\ninactive_file 3000\n");
    fs.set("/sandboxd/pod-1", "pids.current", "3\n");
    CgroupPodUsage usage = new CgroupPodUsage(
        new Cgroup2Fs(fs, "/sandboxd", new ResourcePolicy(0, ResourcePolicy.MissingController.reject, 1L << 32)));

    PodUsage web = usage.read("default", "web", "/sandboxd/pod-1");
    assertEquals(2.5, web.cpuSeconds().getAsDouble());
    assertEquals(7000, web.memoryWorkingSetBytes().getAsLong(), "kubelet's working set: current less inactive_file");
    assertEquals(OptionalLong.empty(), web.memoryPeakBytes(), "no memory.peak file, no reading");
    assertEquals(3, web.pids().getAsLong());

    PodUsage gone = usage.read("default", "gone", "/sandboxd/pod-2");
    assertTrue(gone.cpuSeconds().isEmpty() && gone.memoryWorkingSetBytes().isEmpty() && gone.pids().isEmpty());
  }

  @Test
  void runStopAndRemoveAreTimedWithTheirOutcome() {
    PodStatus web = status("web", PodPhase.Running, new ContainerStatus.Running(Instant.EPOCH));
    TimedPodLifecycle timed = new TimedPodLifecycle(new ListOnly(List.of(web)) {
      @Override
      public RunResult run(String manifest, boolean lenient) {
        return new RunResult(web, List.of());
      }

      @Override
      public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
        return web;
      }

      @Override
      public void remove(String podRef, boolean force) {
        throw SandboxdException.notFound("no pod %s", podRef);
      }
    }, metrics);
    timed.run("", false);
    timed.stop("web", Optional.empty());
    assertThrows(SandboxdException.class, () -> timed.remove("nope", false));
    assertEquals(List.of("operation sandbox_run success", "operation sandbox_stop success", "operation sandbox_remove error"),
        metrics.calls);
  }

  @Test
  void containerdServicesAreNamedShort() {
    assertEquals("tasks", ContainerdCallMeter.serviceLabel("containerd.services.tasks.v1.Tasks"));
    assertEquals("health", ContainerdCallMeter.serviceLabel("grpc.health.v1.Health"));
  }

  /** A PodLifecycle that only lists; the rest is not for these tests. */
  private static class ListOnly extends UnsupportedPodLifecycle {
    private final List<PodStatus> pods;

    ListOnly(List<PodStatus> pods) {
      this.pods = pods;
    }

    @Override
    public List<PodStatus> list() {
      return pods;
    }
  }
}
