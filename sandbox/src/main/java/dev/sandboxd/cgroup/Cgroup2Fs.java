package dev.sandboxd.cgroup;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link PodCgroups} on a cgroup2 file system: /sys/fs/cgroup on a unified host,
 * /sys/fs/cgroup/unified on a hybrid one, checked to really be cgroup2.
 */
public final class Cgroup2Fs implements PodCgroups {
  /** The controllers a pod's limits and usage need, enabled down to its leaves where available. */
  static final List<String> POD_CONTROLLERS = List.of(CgroupLimits.CPU, CgroupLimits.MEMORY, CgroupLimits.PIDS, CgroupLimits.HUGETLB);
  private static final Duration FREEZE_WAIT = Duration.ofSeconds(10);
  private static final long FREEZE_POLL_MILLIS = 10;

  private final CgroupFs fs;
  private final String parent;
  private final ResourcePolicy policy;

  public Cgroup2Fs(CgroupFs fs, String parent, ResourcePolicy policy) {
    this.fs = fs;
    this.parent = parent.endsWith("/") ? parent.substring(0, parent.length() - 1) : parent;
    this.policy = policy;
  }

  /** Finds the cgroup2 mount from a mountinfo text. */
  public static Path findMount(List<String> mountinfo) {
    Path found = null;
    for (String line : mountinfo) {
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] before = line.substring(0, dash).split(" ");
      String[] after = line.substring(dash + 3).split(" ");
      if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4) {
        Path mount = Path.of(before[4]);
        // Prefer the canonical location when both exist.
        if (found == null || mount.equals(Path.of("/sys/fs/cgroup"))) {
          found = mount;
        }
      }
    }
    if (found == null) {
      throw SandboxdException.failedPrecondition("no cgroup2 file system is mounted on this node");
    }
    return found;
  }

  public static Cgroup2Fs detect(String parent, ResourcePolicy policy) {
    try {
      Path mount = findMount(Files.readAllLines(Path.of("/proc/self/mountinfo")));
      return new Cgroup2Fs(new DirCgroupFs(mount), parent, policy);
    } catch (IOException e) {
      throw SandboxdException.internal("reading /proc/self/mountinfo: " + e.getMessage(), e);
    }
  }

  @Override
  public String podPath(String podUid) {
    return parent + "/pod" + podUid;
  }

  /** What the root offers; every cgroup below can have these once its ancestors enable them. */
  Set<String> availableControllers() {
    return words(fs.read("/", "cgroup.controllers").orElse(""));
  }

  @Override
  public PodResources plan(Pod pod, boolean running) {
    ResourcePolicy effective = running
        ? new ResourcePolicy(policy.podPidsLimit(), ResourcePolicy.MissingController.warn, policy.nodeMemoryBytes())
        : policy;
    return PodResources.plan(pod, effective, availableControllers(), fs.describe(podPath(pod.metadata().uid())));
  }

  @Override
  public void create(String podUid, CgroupLimits limits) {
    String pod = podPath(podUid);
    Set<String> wanted = new HashSet<>(POD_CONTROLLERS);
    wanted.retainAll(availableControllers());
    // Each ancestor must pass the controllers on (subtree_control) for the pod and its leaves to have them.
    for (String cgroup : ancestorsAndSelf(pod)) {
      if (!cgroup.equals("/")) {
        fs.create(cgroup);
      }
      enable(cgroup, wanted);
    }
    for (Map.Entry<String, String> file : limits.files().entrySet()) {
      fs.write(pod, file.getKey(), file.getValue());
    }
  }

  private void enable(String cgroup, Set<String> controllers) {
    Set<String> enabled = words(fs.read(cgroup, "cgroup.subtree_control").orElse(""));
    for (String controller : POD_CONTROLLERS) {
      if (controllers.contains(controller) && !enabled.contains(controller)) {
        fs.write(cgroup, "cgroup.subtree_control", "+" + controller);
      }
    }
  }

  /** "/", "/a", "/a/b" for "/a/b". */
  private static List<String> ancestorsAndSelf(String cgroup) {
    List<String> out = new ArrayList<>(List.of("/"));
    StringBuilder path = new StringBuilder();
    for (String part : cgroup.split("/")) {
      if (!part.isEmpty()) {
        path.append('/').append(part);
        out.add(path.toString());
      }
    }
    return out;
  }

  @Override
  public void remove(String podUid) {
    String pod = podPath(podUid);
    if (!fs.exists(pod)) {
      return;
    }
    removeTree(pod);
  }

  private void removeTree(String cgroup) {
    for (String child : fs.children(cgroup)) {
      removeTree(child);
    }
    if (!fs.read(cgroup, "cgroup.procs").orElse("").isBlank()) {
      fs.write(cgroup, "cgroup.kill", "1");
    }
    fs.remove(cgroup);
  }

  @Override
  public void kill(String podUid) {
    String pod = podPath(podUid);
    if (fs.exists(pod)) {
      fs.write(pod, "cgroup.kill", "1");
    }
  }

  @Override
  public void freeze(String podUid, boolean frozen) {
    String pod = podPath(podUid);
    if (!fs.exists(pod)) {
      throw SandboxdException.failedPrecondition("the pod's cgroup %s does not exist", fs.describe(pod));
    }
    fs.write(pod, "cgroup.freeze", frozen ? "1" : "0");
    // The kernel freezes tasks one by one and reports the result in cgroup.events.
    long deadline = System.nanoTime() + FREEZE_WAIT.toNanos();
    while (frozen(podUid) != frozen) {
      if (System.nanoTime() > deadline) {
        throw SandboxdException.deadlineExceeded(
            String.format("cgroup %s is not %s after %d s", fs.describe(pod), frozen ? "frozen" : "thawed", FREEZE_WAIT.toSeconds()),
            null);
      }
      try {
        Thread.sleep(FREEZE_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw SandboxdException.internal("interrupted while waiting for the freezer", e);
      }
    }
  }

  @Override
  public boolean frozen(String podUid) {
    return CgroupUsage.keyedValues(fs.read(podPath(podUid), "cgroup.events")).getOrDefault("frozen", 0L) == 1;
  }

  @Override
  public CgroupUsage usage(String cgroupPath) {
    return CgroupUsage.read(fs, cgroupPath);
  }

  @Override
  public long oomKills(String cgroupPath) {
    return CgroupUsage.keyedValues(fs.read(cgroupPath, "memory.events")).getOrDefault("oom_kill", 0L);
  }

  private static Set<String> words(String text) {
    Set<String> out = new HashSet<>(Arrays.asList(text.trim().split("\\s+")));
    out.remove("");
    return out;
  }
}
