package dev.sandboxd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The private node under test, as hack/node describes it ({@code hack/node env}), and the tools
 * the baselines run from the project's cache (the very binaries the node's containerd uses).
 */
public record BenchNode(
    Path repo,
    Path dir,
    Path containerdSocket,
    Path sandboxdSocket,
    String namespace,
    String cgroupParent,
    long mountNamespacePid,
    long sandboxdPid) {
  private static final String WORK_DIR = "bench";

  public static BenchNode describe(Path repo, Path dir) throws IOException, InterruptedException {
    Path pidFile = dir.resolve("sandboxd.pid");
    if (!Files.exists(pidFile)) {
      throw new IllegalStateException("no node with sandboxd is running in " + dir + ": start one with hack/up");
    }
    NodeCommands host = NodeCommands.host(dir.resolve(WORK_DIR));
    NodeCommands.Result env = host.checked(List.of(repo.resolve("hack/node").toString(), "env", "--dir", dir.toString()));
    Map<String, String> values = new HashMap<>();
    env.stdout().lines().forEach(line -> {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    });
    if (values.getOrDefault("NODE_MOUNT_NS_PID", "").isEmpty()) {
      throw new IllegalStateException("the node in " + dir + " has no mount namespace: restart it with hack/up");
    }
    return new BenchNode(
        repo,
        dir,
        Path.of(values.get("CONTAINERD_ADDRESS")),
        Path.of(values.get("SANDBOXD_ADDRESS")),
        values.get("SANDBOXD_NAMESPACE"),
        values.get("SANDBOXD_CGROUP_PARENT"),
        Long.parseLong(values.get("NODE_MOUNT_NS_PID")),
        Long.parseLong(Files.readString(pidFile).trim()));
  }

  /** Whether the node has a network namespace of its own and, in it, sandboxd's CNI pod network (--netns). */
  public boolean podNetwork() {
    return Files.exists(dir.resolve("netns"));
  }

  public Path ctr() {
    return repo.resolve(".cache/root/usr/bin/ctr");
  }

  Path runc() {
    return repo.resolve(".cache/root/usr/sbin/runc");
  }

  Path containerd() {
    return repo.resolve(".cache/root/usr/bin/containerd");
  }

  /** Scratch space for the baselines (bundles, pid files, logs), removed with the node. */
  public Path workDir() {
    return dir.resolve(WORK_DIR);
  }

  /** The cgroup2 mount as seen inside the node (where every command of the baselines runs). */
  public String cgroupDir(String relative) {
    return "/sys/fs/cgroup" + cgroupParent + "/" + relative;
  }
}
