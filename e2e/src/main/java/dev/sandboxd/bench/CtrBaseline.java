package dev.sandboxd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ctr baseline: what an operator does by hand with containerd's own client. Each
 * {@code ctr run -d} creates the container (snapshot from the same image, same runtime and
 * snapshotter) and its task and starts it, with the same cgroup layout, namespaces, user,
 * read-only root and shim grouping as sandboxd's pods, so both sides do the same work. ctr runs
 * in sandboxd's containerd namespace, where sandboxd imported the images.
 */
final class CtrBaseline {
  /** One shim per pod, as sandboxd asks for it. */
  private static final String SHIM_GROUP = "io.containerd.runc.v2.group";
  private static final String PAUSE_USER = "65535:65535";

  private final BenchNode node;
  private final NodeCommands commands;
  private final String pauseImage;

  CtrBaseline(BenchNode node, NodeCommands commands, String pauseImage) {
    this.node = node;
    this.commands = commands;
    this.pauseImage = pauseImage;
  }

  /** A running pod made with ctr: its pause container, then its app containers. */
  record CtrPod(String id, int pausePid, List<String> apps, boolean cni) {}

  /**
   * {@code ctr run -d} of pause, owning new namespaces; the pod's id is the pause container's.
   * With cni, ctr runs CNI ADD of the node's ctr network (hack/bench's /etc/cni/net.d in the node)
   * into the new network namespace before it starts the task.
   */
  Timed<CtrPod> runPause(String id, boolean cni) throws IOException, InterruptedException {
    Path pidFile = node.workDir().resolve(id + ".pid");
    List<String> run = ctr("run", "-d", "--null-io");
    if (cni) {
      run.add("--cni");
    }
    run.addAll(List.of("--cpu-shares", "0", "--read-only", "--user", PAUSE_USER,
        "--cgroup", node.cgroupParent() + "/" + id + "/" + id, "--annotation", SHIM_GROUP + "=" + id,
        "--pid-file", pidFile.toString(), pauseImage, id));
    long nanos = commands.checked(run).nanos();
    int pid = Integer.parseInt(Files.readString(pidFile).trim());
    return new Timed<>(new CtrPod(id, pid, List.of(), cni), nanos);
  }

  /** {@code ctr run -d} of a busybox sleeper joined to the pause container's net, ipc and uts namespaces. */
  Timed<CtrPod> runApp(CtrPod pod, String appId) throws IOException, InterruptedException {
    String ns = "/proc/" + pod.pausePid() + "/ns/";
    Path log = node.workDir().resolve(appId + ".log");
    List<String> run = ctr("run", "-d", "--cpu-shares", "0", "--log-uri", log.toUri().toString(),
        "--cgroup", node.cgroupParent() + "/" + pod.id() + "/" + appId, "--annotation", SHIM_GROUP + "=" + pod.id(),
        "--with-ns", "network:" + ns + "net", "--with-ns", "ipc:" + ns + "ipc", "--with-ns", "uts:" + ns + "uts",
        BenchPods.BUSYBOX, appId, "sleep", "3600");
    long nanos = commands.checked(run).nanos();
    List<String> apps = new ArrayList<>(pod.apps());
    apps.add(appId);
    return new Timed<>(new CtrPod(pod.id(), pod.pausePid(), apps, pod.cni()), nanos);
  }

  /**
   * Kills and deletes every task and container of the pod, apps first ({@code ctr task rm -f},
   * {@code ctr container rm}, which also removes the snapshot); returns the time all of it took.
   * A --cni pause is first stopped with {@code ctr task kill}: of ctr's commands only kill runs
   * CNI DEL (task rm -f does not, and would leak the IP and the veth).
   * The pod's cgroup directory is removed afterwards, untimed.
   */
  long remove(CtrPod pod) throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>(pod.apps());
    ids.add(pod.id());
    long nanos = 0;
    for (String id : ids) {
      if (pod.cni() && id.equals(pod.id())) {
        nanos += commands.checked(ctr("task", "kill", "-s", "SIGKILL", id)).nanos();
      }
      nanos += commands.checked(ctr("task", "rm", "-f", id)).nanos();
      nanos += commands.checked(ctr("container", "rm", id)).nanos();
    }
    commands.checked(List.of("rmdir", node.cgroupDir(pod.id())));
    return nanos;
  }

  /** Removes what an interrupted run left behind: every container whose id starts with the prefix. */
  void removeLeftovers(String prefix) throws IOException, InterruptedException {
    List<String> ids = commands.checked(ctr("container", "list", "-q")).stdout().lines()
        .filter(id -> id.startsWith(prefix)).toList();
    for (String id : ids) {
      commands.run(ctr("task", "rm", "-f", id));
      commands.run(ctr("container", "rm", id));
    }
    commands.run(List.of("sh", "-c", "rmdir " + node.cgroupDir(prefix) + "* 2>/dev/null; true"));
  }

  String version() throws IOException, InterruptedException {
    return commands.checked(List.of(node.containerd().toString(), "--version")).stdout().strip();
  }

  private List<String> ctr(String... args) {
    List<String> command = new ArrayList<>(List.of(node.ctr().toString(),
        "--address", node.containerdSocket().toString(), "--namespace", node.namespace()));
    command.addAll(List.of(args));
    return command;
  }
}
