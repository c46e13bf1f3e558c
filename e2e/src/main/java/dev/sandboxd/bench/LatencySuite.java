package dev.sandboxd.bench;

import dev.sandboxd.api.v1.Pod;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pod-ready and teardown latencies, sequential, sandboxd and its baselines interleaved: every
 * iteration runs each scenario of a group once, the group's first scenario rotating, so drift
 * of the machine (page cache, containerd's database, CPU frequency) hits every side alike. Each
 * pod is torn down before the next one starts, so the node holds at most one pod at a time.
 */
final class LatencySuite {
  static final String PAUSE_POD = "sandboxd_pause_pod";
  static final String ONE_CONTAINER_POD = "sandboxd_one_container_pod";
  static final String THREE_CONTAINER_POD = "sandboxd_three_container_pod";
  static final String CTR_PAUSE = "ctr_pause";
  static final String CTR_PAUSE_THEN_APP = "ctr_pause_then_app";
  static final String RUNC_PAUSE = "runc_pause";
  static final String STOP_REMOVE_PAUSE_POD = "sandboxd_stop_remove_pause_pod";
  static final String STOP_REMOVE_ONE_CONTAINER_POD = "sandboxd_stop_remove_one_container_pod";
  static final String STOP_REMOVE_THREE_CONTAINER_POD = "sandboxd_stop_remove_three_container_pod";
  static final String CTR_REMOVE_PAUSE = "ctr_remove_pause";
  static final String CTR_REMOVE_PAUSE_THEN_APP = "ctr_remove_pause_then_app";
  static final String RUNC_DELETE_PAUSE = "runc_delete_pause";
  static final String CNI_ONE_CONTAINER_POD = "sandboxd_cni_one_container_pod";
  static final String CTR_CNI_PAUSE_THEN_APP = "ctr_cni_pause_then_app";
  static final String STOP_REMOVE_CNI_ONE_CONTAINER_POD = "sandboxd_stop_remove_cni_one_container_pod";
  static final String CTR_CNI_REMOVE_PAUSE_THEN_APP = "ctr_cni_remove_pause_then_app";
  /** Prefix of the compared sandboxd's scenarios (--compare-sandboxd): compared_sandboxd_pause_pod, ... */
  static final String COMPARED = "compared_";
  /** Every ctr container of the benchmark has an id starting with this. */
  static final String CTR_PREFIX = "bench-ctr-";

  /** The times of one trial: until ready, and the teardown after it. */
  private record Sample(long readyNanos, long teardownNanos) {}

  private interface Trial {
    Sample run(int iteration) throws Exception;
  }

  private record Scenario(String ready, String readyDescription, String teardown, String teardownDescription, Trial trial) {}

  private final SandboxdPods pods;
  private final Optional<SandboxdPods> compared;
  private final CtrBaseline ctr;
  private final RuncBaseline runc;
  private final PrintStream progress;

  /**
   * compared: a second sandboxd on the node (other JVM settings, another build), whose pause-only
   * and one-container pods run in the same iterations as sandboxd's, under the COMPARED names.
   */
  LatencySuite(SandboxdPods pods, Optional<SandboxdPods> compared, CtrBaseline ctr, RuncBaseline runc, PrintStream progress) {
    this.pods = pods;
    this.compared = compared;
    this.ctr = ctr;
    this.runc = runc;
    this.progress = progress;
  }

  /**
   * Runs the groups: pause-only, one container, three containers; onlyCni runs the one-container
   * group alone. On a node with a pod network (podNetwork) sandboxd's pods get their IPs from CNI,
   * so ctr's pauses run with --cni too (runc stays without a network: the floor), and the
   * one-container group is the pod network section, under names of its own.
   */
  Map<String, LatencyStats> run(int runs, int warmup, boolean podNetwork, boolean onlyCni) throws Exception {
    List<Scenario> pauseOnly = new ArrayList<>(sandboxdScenarios(PAUSE_POD, "sandboxd RunPod of a pod of its sandbox alone (pause task)",
        STOP_REMOVE_PAUSE_POD, "sandboxd StopPod (SIGTERM, pause exits) + RemovePod",
        (on, i) -> sandboxd(on, BenchPods.pauseOnly("bench-pause-" + i), Optional.empty())));
    pauseOnly.add(new Scenario(CTR_PAUSE, "ctr run -d of the pause image (container + task + start)"
            + (podNetwork ? ", with --cni" : ""),
        CTR_REMOVE_PAUSE, "ctr task rm -f + ctr container rm" + (podNetwork ? ", after ctr task kill (CNI DEL)" : ""),
        i -> ctrPause(i, podNetwork)));
    pauseOnly.add(new Scenario(RUNC_PAUSE, "runc run -d of a pause bundle (no containerd, no shim)",
        RUNC_DELETE_PAUSE, "runc delete -f",
        this::runcPause));
    List<Scenario> oneContainer;
    if (podNetwork) {
      oneContainer = new ArrayList<>(sandboxdScenarios(CNI_ONE_CONTAINER_POD,
          "sandboxd RunPod of a pod with one busybox sleep container on the CNI pod network, until it runs",
          STOP_REMOVE_CNI_ONE_CONTAINER_POD, "sandboxd StopPod (grace 0) + RemovePod, CNI DEL included",
          (on, i) -> sandboxd(on, BenchPods.sleepers("bench-cni-" + i, 1), Optional.of(0L))));
      oneContainer.add(new Scenario(CTR_CNI_PAUSE_THEN_APP,
          "ctr run -d --cni of pause (CNI ADD into its namespace), then ctr run -d of busybox sleep joined to it",
          CTR_CNI_REMOVE_PAUSE_THEN_APP,
          "ctr task rm -f + ctr container rm, app then pause, the pause first with ctr task kill (CNI DEL)",
          i -> ctrPauseThenApp(CTR_PREFIX + "cni-" + i, true)));
    } else {
      oneContainer = new ArrayList<>(sandboxdScenarios(ONE_CONTAINER_POD,
          "sandboxd RunPod of a pod with one busybox sleep container, until it runs",
          STOP_REMOVE_ONE_CONTAINER_POD, "sandboxd StopPod (grace 0) + RemovePod",
          (on, i) -> sandboxd(on, BenchPods.sleepers("bench-one-" + i, 1), Optional.of(0L))));
      oneContainer.add(new Scenario(CTR_PAUSE_THEN_APP,
          "ctr run -d of pause, then ctr run -d of busybox sleep joined to its namespaces",
          CTR_REMOVE_PAUSE_THEN_APP, "ctr task rm -f + ctr container rm, app then pause",
          i -> ctrPauseThenApp(CTR_PREFIX + "pod-" + i, false)));
    }
    List<Scenario> threeContainers = List.of(
        new Scenario(THREE_CONTAINER_POD, "sandboxd RunPod of a pod with three busybox sleep containers, until they run",
            STOP_REMOVE_THREE_CONTAINER_POD, "sandboxd StopPod (grace 0) + RemovePod",
            i -> sandboxd(pods, BenchPods.sleepers("bench-three-" + i, 3), Optional.of(0L))));
    return measure(onlyCni ? List.of(oneContainer) : List.of(pauseOnly, oneContainer, threeContainers), runs, warmup);
  }

  private interface PodTrial {
    Sample run(SandboxdPods on, int iteration) throws Exception;
  }

  /** sandboxd's scenario and, with a compared sandboxd, the same one on it under the COMPARED names. */
  private List<Scenario> sandboxdScenarios(String ready, String readyDescription, String teardown,
      String teardownDescription, PodTrial trial) {
    List<Scenario> scenarios = new ArrayList<>();
    scenarios.add(new Scenario(ready, readyDescription, teardown, teardownDescription, i -> trial.run(pods, i)));
    compared.ifPresent(other -> scenarios.add(new Scenario(COMPARED + ready, "the compared sandboxd: " + readyDescription,
        COMPARED + teardown, "the compared sandboxd: " + teardownDescription, i -> trial.run(other, i))));
    return scenarios;
  }

  private Map<String, LatencyStats> measure(List<List<Scenario>> groups, int runs, int warmup) throws Exception {
    Map<String, List<Long>> samples = new LinkedHashMap<>();
    Map<String, String> descriptions = new LinkedHashMap<>();
    for (List<Scenario> group : groups) {
      for (Scenario s : group) {
        samples.put(s.ready(), new ArrayList<>());
        samples.put(s.teardown(), new ArrayList<>());
        descriptions.put(s.ready(), s.readyDescription());
        descriptions.put(s.teardown(), s.teardownDescription());
      }
    }
    for (int i = 0; i < warmup + runs; i++) {
      for (List<Scenario> group : groups) {
        for (int k = 0; k < group.size(); k++) {
          Scenario s = group.get((i + k) % group.size());
          Sample sample = s.trial().run(i);
          if (i >= warmup) {
            samples.get(s.ready()).add(sample.readyNanos());
            samples.get(s.teardown()).add(sample.teardownNanos());
          }
        }
      }
      int done = i - warmup + 1;
      if (done > 0 && (done % 10 == 0 || done == runs)) {
        progress.printf("latency: %d/%d runs%n", done, runs);
      }
    }
    Map<String, LatencyStats> stats = new LinkedHashMap<>();
    samples.forEach((key, nanos) -> stats.put(key, LatencyStats.of(descriptions.get(key), nanos)));
    return stats;
  }

  private static Sample sandboxd(SandboxdPods on, String manifest, Optional<Long> graceSeconds) {
    long start = System.nanoTime();
    Pod pod = on.runUntilRunning(manifest);
    long ready = System.nanoTime() - start;
    start = System.nanoTime();
    on.stopAndRemove(pod, graceSeconds);
    return new Sample(ready, System.nanoTime() - start);
  }

  private Sample ctrPause(int i, boolean cni) throws Exception {
    Timed<CtrBaseline.CtrPod> pod = ctr.runPause(CTR_PREFIX + "pause-" + i, cni);
    return new Sample(pod.nanos(), ctr.remove(pod.value()));
  }

  private Sample ctrPauseThenApp(String id, boolean cni) throws Exception {
    Timed<CtrBaseline.CtrPod> pause = ctr.runPause(id, cni);
    Timed<CtrBaseline.CtrPod> pod = ctr.runApp(pause.value(), id + "-app");
    return new Sample(pause.nanos() + pod.nanos(), ctr.remove(pod.value()));
  }

  private Sample runcPause(int i) throws Exception {
    String id = "bench-runc-" + i;
    return new Sample(runc.run(id), runc.delete(id));
  }
}
