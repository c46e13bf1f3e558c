package dev.sandboxd.manifestdir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one reconcile of the manifest directory does, worked out from the directory as read and
 * the pods run from it: a pure function, so every case is a table row in a test.
 *
 * <ul>
 *   <li>a pod whose file is gone is removed; one whose file changed is removed and run anew;
 *   <li>a pod whose file is bad now keeps running: a half-saved edit must not take a pod down;
 *   <li>of files naming the same pod, the one the running pod came from wins, else the first by
 *       name; the others are problems.
 * </ul>
 *
 * @param removals pods to remove before anything is run (so a renamed file's pod can be run again)
 * @param runs pods to run, in file-name order
 * @param problems by file name: the scan's and the duplicates'
 */
record ReconcilePlan(List<Removal> removals, List<StaticPod> runs, Map<String, String> problems) {

  ReconcilePlan {
    removals = List.copyOf(removals);
    runs = List.copyOf(runs);
    problems = Collections.unmodifiableMap(new TreeMap<>(problems));
  }

  record Removal(ManagedPod pod, String reason) {}

  static ReconcilePlan of(DirectoryScan scan, List<ManagedPod> running) {
    Map<String, String> problems = new TreeMap<>(scan.problems());
    Map<String, StaticPod> wanted = withoutDuplicates(scan.pods(), running, problems);
    List<Removal> removals = new ArrayList<>();
    for (ManagedPod pod : running) {
      StaticPod want = wanted.get(pod.file());
      if (want != null && !want.hash().equals(pod.hash())) {
        removals.add(new Removal(pod, "its file " + pod.file() + " changed"));
      } else if (want == null && !problems.containsKey(pod.file())) {
        removals.add(new Removal(pod, "its file " + pod.file() + " is gone"));
      }
    }
    List<StaticPod> runs = new ArrayList<>();
    for (StaticPod want : wanted.values()) {
      if (running.stream().noneMatch(p -> p.file().equals(want.file()) && p.hash().equals(want.hash()))) {
        runs.add(want);
      }
    }
    return new ReconcilePlan(removals, runs, problems);
  }

  private static Map<String, StaticPod> withoutDuplicates(
      Map<String, StaticPod> pods, List<ManagedPod> running, Map<String, String> problems) {
    Map<String, List<StaticPod>> byName = new LinkedHashMap<>();
    for (StaticPod pod : pods.values()) {
      byName.computeIfAbsent(pod.fullName(), n -> new ArrayList<>()).add(pod);
    }
    Map<String, StaticPod> wanted = new TreeMap<>();
    for (List<StaticPod> claimants : byName.values()) {
      StaticPod winner = claimants.stream()
          .min(Comparator.comparing((StaticPod p) -> !runsFrom(p, running)).thenComparing(StaticPod::file))
          .orElseThrow();
      wanted.put(winner.file(), winner);
      for (StaticPod loser : claimants) {
        if (loser != winner) {
          problems.put(loser.file(), "pod " + loser.fullName() + " is already defined by " + winner.file()
              + "; this file is ignored until one of them names another pod");
        }
      }
    }
    return wanted;
  }

  /** Whether the pod of that name now running came from this file. */
  private static boolean runsFrom(StaticPod pod, List<ManagedPod> running) {
    return running.stream().anyMatch(r -> r.file().equals(pod.file()) && r.fullName().equals(pod.fullName()));
  }
}
