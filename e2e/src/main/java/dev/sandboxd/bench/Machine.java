package dev.sandboxd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine and software a report was measured on, so figures are never compared blind. */
record Machine(
    String cpu,
    int cores,
    double memoryGb,
    String os,
    String kernel,
    String cgroups,
    String containerd,
    String runc,
    String sandboxdJvm,
    String benchJvm,
    String gitCommit) {

  static Machine describe(BenchNode node, NodeCommands commands, CtrBaseline ctr, RuncBaseline runc)
      throws IOException, InterruptedException {
    String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
        .filter(l -> l.startsWith("model name"))
        .map(l -> l.substring(l.indexOf(':') + 1).strip())
        .findFirst().orElse("unknown");
    long memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream()
        .filter(l -> l.startsWith("MemTotal:"))
        .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
        .findFirst().orElse(0L);
    String os = Files.readAllLines(Path.of("/etc/os-release")).stream()
        .filter(l -> l.startsWith("PRETTY_NAME="))
        .map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", ""))
        .findFirst().orElse("unknown");
    // The benchmark runs in the node's mount namespace; the host's mounts are init's.
    String cgroups = Files.readString(Path.of("/proc/1/mountinfo")).contains(" /sys/fs/cgroup/unified ")
        ? "hybrid host; the node mounts cgroup2 on /sys/fs/cgroup in its own mount namespace"
        : "cgroup2";
    NodeCommands.Result git = commands.run(List.of("git", "-C", node.repo().toString(), "describe", "--always", "--dirty"));
    return new Machine(
        cpu,
        Runtime.getRuntime().availableProcessors(),
        LatencyStats.round(memKb / 1024.0 / 1024.0),
        os,
        Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
        cgroups,
        ctr.version(),
        runc.version(),
        ProcStats.commandLine(node.sandboxdPid()).replaceAll(" -cp .*", ""),
        "Java " + System.getProperty("java.runtime.version"),
        git.exitCode() == 0 ? git.stdout().strip() : "unknown");
  }
}
