package dev.sandboxd.soak;

import dev.sandboxd.bench.BenchNode;
import dev.sandboxd.bench.NodeCommands;
import dev.sandboxd.bench.ProcStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a node holds at one moment, as counts: sandboxd's own footprint and everything a pod
 * leaves behind if its removal forgets something. Read from /proc, the node's cgroup tree, ctr
 * and sandboxd's directories, never from sandboxd's answers, so a leak sandboxd does not know
 * about shows too.
 */
record NodeCensus(long sandboxdPid, Map<String, Long> counts) {
  static final String RSS_KB = "sandboxd RSS (KiB)";
  static final String THREADS = "sandboxd threads";
  static final String FDS = "sandboxd open fds";
  /** Counts that must not grow at all: each one more at the end is something left behind. */
  static final List<String> OBJECTS = List.of("mounts", "pod cgroups", "containers", "tasks", "snapshots", "leases",
      "shims", "pod records", "pod directories");

  /** Allowed growth of threads and fds: pools that fill up on demand, not leaks. */
  record Tolerance(long threads, long fds) {}

  static NodeCensus take(BenchNode node, NodeCommands commands) throws IOException, InterruptedException {
    long pid = Long.parseLong(Files.readString(node.dir().resolve("sandboxd.pid")).trim());
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put(RSS_KB, ProcStats.rssKb(pid));
    counts.put(THREADS, ProcStats.threads(pid));
    counts.put(FDS, entries(Path.of("/proc", Long.toString(pid), "fd")));
    counts.put("mounts", (long) Files.readAllLines(Path.of("/proc", Long.toString(node.mountNamespacePid()), "mountinfo")).size());
    counts.put("pod cgroups", lines(commands.checked(List.of("find", node.cgroupDir(""), "-mindepth", "1", "-type", "d"))));
    counts.put("containers", lines(ctr(node, commands, "containers", "list", "-q")));
    counts.put("tasks", lines(ctr(node, commands, "tasks", "list", "-q")));
    counts.put("snapshots", lines(ctr(node, commands, "snapshots", "list")) - 1); // less the header line
    counts.put("leases", lines(ctr(node, commands, "leases", "list", "-q")));
    counts.put("shims", shims(node));
    counts.put("pod records", entries(node.dir().resolve("sandboxd/state/pods")));
    counts.put("pod directories", entries(node.dir().resolve("sandboxd/root/pods")));
    return new NodeCensus(pid, counts);
  }

  /** What grew from {@code start} to this census beyond what is allowed, one line each. */
  List<String> leaksSince(NodeCensus start, Tolerance tolerance) {
    List<String> leaks = new ArrayList<>();
    for (String object : OBJECTS) {
      if (counts.get(object) > start.counts.get(object)) {
        leaks.add(object + ": " + start.counts.get(object) + " at the start, " + counts.get(object) + " at the end");
      }
    }
    grewBeyond(start, THREADS, tolerance.threads(), leaks);
    grewBeyond(start, FDS, tolerance.fds(), leaks);
    return leaks;
  }

  private void grewBeyond(NodeCensus start, String what, long allowed, List<String> leaks) {
    long growth = counts.get(what) - start.counts.get(what);
    if (growth > allowed) {
      leaks.add(what + ": grew by " + growth + " (allowed: " + allowed + ")");
    }
  }

  /** A table of both censuses side by side, in Markdown. */
  static String table(NodeCensus start, NodeCensus end) {
    StringBuilder out = new StringBuilder("| | start (pid " + start.sandboxdPid + ") | end (pid " + end.sandboxdPid
        + ") | change |\n|---|---:|---:|---:|\n");
    start.counts.forEach((what, before) -> {
      long after = end.counts.get(what);
      out.append("| ").append(what).append(" | ").append(before).append(" | ").append(after).append(" | ")
          .append(after - before > 0 ? "+" : "").append(after - before).append(" |\n");
    });
    return out.toString();
  }

  private static NodeCommands.Result ctr(BenchNode node, NodeCommands commands, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(node.ctr().toString(), "--address", node.containerdSocket().toString(),
        "--namespace", node.namespace()));
    cmd.addAll(List.of(args));
    return commands.checked(cmd);
  }

  /** The node's runc shims: they serve its containerd's socket. */
  private static long shims(BenchNode node) {
    String address = node.containerdSocket().toString();
    return ProcessHandle.allProcesses().filter(p -> {
      try {
        String command = ProcStats.commandLine(p.pid());
        return command.contains("containerd-shim") && command.contains(address);
      } catch (IOException gone) {
        return false;
      }
    }).count();
  }

  private static long lines(NodeCommands.Result r) {
    return r.stdout().lines().filter(l -> !l.isBlank()).count();
  }

  private static long entries(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }
}
