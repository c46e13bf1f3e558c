package dev.sandboxd.cli;

import dev.sandboxd.containerd.UnixSocketChannels;
import dev.sandboxd.cri.CriPods;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * sandboxctl cri: runs pods through containerd's CRI as kubelet would, so the CRI path (and the
 * sandboxd runtime handler behind it) can be tried without a cluster. Talks CRI to containerd's
 * socket; sandboxd is not involved unless the handler sends pods to it.
 */
@Command(
    name = "cri",
    description = "Runs pods through containerd's CRI, as kubelet would (no cluster needed).",
    subcommands = {CriRunCommand.class, CriPsCommand.class, CriExecCommand.class, CriLogsCommand.class, CriRemoveCommand.class})
final class CriCommand {
  static final String DEFAULT_ENDPOINT = "/run/sandboxd-node/containerd.sock";
  static final String DEFAULT_POD_ROOT = "/var/lib/sandboxctl-cri";
  static final String DEFAULT_CGROUP_PARENT = "/kubepods";

  @ParentCommand Sandboxctl root;

  @Option(names = "--cri-endpoint", paramLabel = "SOCK", scope = CommandLine.ScopeType.INHERIT,
      description = "containerd's socket, where CRI is served (default: $CRI_ENDPOINT or " + DEFAULT_ENDPOINT + ")")
  String endpoint;

  @Option(names = "--pod-root", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
      description = "where pods' log directories and emptyDir volumes go (default: $CRI_POD_ROOT or " + DEFAULT_POD_ROOT + ")")
  String podRoot;

  @Option(names = "--cgroup-parent", paramLabel = "PATH", scope = CommandLine.ScopeType.INHERIT,
      description = "cgroup of the pods, each in <PATH>/pod<uid> (default: $CRI_CGROUP_PARENT or " + DEFAULT_CGROUP_PARENT + ")")
  String cgroupParent;

  Path socket() {
    return Path.of(setting(endpoint, "CRI_ENDPOINT", DEFAULT_ENDPOINT));
  }

  String cgroupParent() {
    return setting(cgroupParent, "CRI_CGROUP_PARENT", DEFAULT_CGROUP_PARENT);
  }

  /** A command's work with a CRI client; the connection is closed after it. */
  <T> T withPods(CriWork<T> work) throws Exception {
    ManagedChannel channel = UnixSocketChannels.open(socket(), "sandboxctl-cri", 64 << 20);
    try {
      return work.run(new CriPods(channel, Duration.ofSeconds(root.timeoutSeconds),
          Path.of(setting(podRoot, "CRI_POD_ROOT", DEFAULT_POD_ROOT))));
    } catch (StatusRuntimeException e) {
      // a transport failure has a cause; containerd's own UNAVAILABLE answers have none
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && e.getCause() != null) {
        throw SandboxdException.unavailable("cannot reach containerd's CRI at " + socket() + ": "
            + e.getStatus().getDescription() + " (set --cri-endpoint or CRI_ENDPOINT)", e);
      }
      throw e;
    } finally {
      channel.shutdownNow();
    }
  }

  @FunctionalInterface
  interface CriWork<T> {
    T run(CriPods pods) throws Exception;
  }

  private static String setting(String flag, String env, String fallback) {
    if (flag != null && !flag.isBlank()) {
      return flag;
    }
    String value = System.getenv(env);
    return value != null && !value.isBlank() ? value : fallback;
  }
}
