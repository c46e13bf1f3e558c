package dev.sandboxd.podfiles;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.spec.EtcFiles;
import dev.sandboxd.system.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Writes a pod's hostname, hosts and resolv.conf under {@code <pods dir>/<uid>/etc/}, which goes
 * with the pod's directory, and says where they are for every container's spec. The node's
 * /etc/hosts and resolv.conf are read on each write, as kubelet reads them per pod.
 */
public final class PodFileWriter {
  // Containers of any user read them through their bind mounts; the pod's directory is 0700.
  private static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rw-r--r--");

  private final Path podsDir;
  private final ClusterDns cluster;
  private final Path nodeHosts;
  private final Optional<Path> nodeResolvConf;

  /** @param nodeResolvConf kubelet's --resolv-conf; empty for "" (no node resolver configuration) */
  public PodFileWriter(Path podsDir, ClusterDns cluster, Path nodeHosts, Optional<Path> nodeResolvConf) {
    this.podsDir = podsDir;
    this.cluster = cluster;
    this.nodeHosts = nodeHosts;
    this.nodeResolvConf = nodeResolvConf;
  }

  /** Where the files are and what the pod should be warned of. */
  public record Written(EtcFiles files, List<PodFileWarning> warnings) {
    public Written {
      warnings = List.copyOf(warnings);
    }
  }

  /**
   * Writes the pod's files; called once its network is up (the pod's IP goes into hosts), before
   * any container starts. Each file is replaced by a rename, so a reader never sees half of one; a
   * container started before a rewrite would keep the old file, hence "before".
   *
   * @param podIp empty while the pod has loopback only
   */
  public Written write(Pod pod, Optional<String> podIp, boolean hostNetwork) {
    Path dir = dir(pod);
    try {
      PodFileContents contents = PodFileContents.render(pod, podIp, hostNetwork, cluster, new PodFileContents.NodeFiles(
          hostNetwork ? Files.readString(nodeHosts) : "",
          nodeResolvConf.isPresent() ? Optional.of(readNodeResolvConf(nodeResolvConf.get())) : Optional.empty()));
      PrivateFiles.directories(dir);
      replace(dir.resolve("hostname"), contents.hostname());
      replace(dir.resolve("hosts"), contents.hosts());
      replace(dir.resolve("resolv.conf"), contents.resolvConf());
      return new Written(files(pod), contents.warnings());
    } catch (IOException e) {
      throw SandboxdException.internal("writing /etc files of pod " + pod.fullName() + ": " + e.getMessage(), e);
    }
  }

  /** The files {@link #write} writes for the pod, bound into each of its containers. */
  public EtcFiles files(Pod pod) {
    Path dir = dir(pod);
    return new EtcFiles(Optional.of(dir.resolve("hostname").toString()), Optional.of(dir.resolve("hosts").toString()),
        Optional.of(dir.resolve("resolv.conf").toString()));
  }

  /** A missing file is an empty configuration, as for a node without DNS. */
  private static String readNodeResolvConf(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file) : "";
  }

  private Path dir(Pod pod) {
    return podsDir.resolve(pod.metadata().uid()).resolve("etc");
  }

  private static void replace(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    PrivateFiles.write(tmp, content.getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(tmp, MODE);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
