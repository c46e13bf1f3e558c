package dev.sandboxd.sandboxer;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.podfiles.DnsSettings;
import dev.sandboxd.system.FileTrees;
import dev.sandboxd.system.Mounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The files containerd's CRI bind-mounts into every container of a pod when they exist, written
 * as its own podsandbox controller writes them (CRI writes none for another sandboxer):
 * {@code <cri root>/sandboxes/<id>/{hostname,hosts,resolv.conf}} and a tmpfs at
 * {@code <cri state>/sandboxes/<id>/shm}. containerd deletes these directories at every restart,
 * so {@link #ensure} writes what is missing and is called again on status.
 */
public final class CriPodFiles {
  /** containerd's defaultShmSize. */
  static final long SHM_SIZE = 64L << 20;

  private final Path criRoot;
  private final Path criState;
  private final Mounts mounts;
  private final Path hostHosts;
  private final Path hostResolvConf;
  private final Path hostHostname;

  /**
   * @param criRoot containerd's CRI root ({@code <containerd root>/io.containerd.grpc.v1.cri})
   * @param criState containerd's CRI state ({@code <containerd state>/io.containerd.grpc.v1.cri})
   */
  public CriPodFiles(Path criRoot, Path criState, Mounts mounts, Path hostHosts, Path hostResolvConf, Path hostHostname) {
    this.criRoot = criRoot;
    this.criState = criState;
    this.mounts = mounts;
    this.hostHosts = hostHosts;
    this.hostResolvConf = hostResolvConf;
    this.hostHostname = hostHostname;
  }

  public static CriPodFiles forHost(Path criRoot, Path criState, Mounts mounts) {
    return new CriPodFiles(criRoot, criState, mounts, Path.of("/etc/hosts"), Path.of("/etc/resolv.conf"),
        Path.of("/proc/sys/kernel/hostname"));
  }

  public Path directory(String id) {
    return criRoot.resolve("sandboxes").resolve(id);
  }

  public Path shm(String id) {
    return criState.resolve("sandboxes").resolve(id).resolve("shm");
  }

  /** The files are there (containerd deletes them at every restart); a file check, no mount table read. */
  public boolean present(CriPodSandbox pod) {
    return Files.isRegularFile(directory(pod.id()).resolve("resolv.conf"));
  }

  /** Writes whichever of the pod's files is missing (cheap when all are there: a few stats). */
  public void ensure(CriPodSandbox pod) {
    Path dir = directory(pod.id());
    try {
      if (!Files.isRegularFile(dir.resolve("resolv.conf"))) {
        Files.createDirectories(dir);
        writeIfMissing(dir.resolve("hostname"), hostnameFile(pod.hostname().isEmpty()
            ? Files.readString(hostHostname, StandardCharsets.UTF_8).trim() : pod.hostname()));
        writeIfMissing(dir.resolve("hosts"), Files.readAllBytes(hostHosts));
        writeIfMissing(dir.resolve("resolv.conf"), pod.dns().isEmpty()
            ? Files.readAllBytes(hostResolvConf)
            : new DnsSettings(pod.dns().servers(), pod.dns().searches(), pod.dns().options()).render()
                .getBytes(StandardCharsets.UTF_8));
      }
      if (!pod.hostIpc()) {
        // containerd unmounts and deletes the whole directory; the mount table is not read on this hot path.
        Path shm = shm(pod.id());
        if (!Files.isDirectory(shm) || !mounts.isMountPoint(shm)) {
          // A directory left without its tmpfs would give the pod the host's /run, uncapped.
          Files.createDirectories(shm);
          Files.setPosixFilePermissions(shm, PosixFilePermissions.fromString("rwx------"));
          mounts.mountShm(shm, SHM_SIZE);
        }
      }
    } catch (IOException e) {
      throw SandboxdException.internal("writing the pod files of sandbox " + pod.id() + ": " + e.getMessage(), e);
    }
  }

  /** Unmounts the pod's shm and deletes both of its directories. Idempotent. */
  public void remove(String id) {
    try {
      mounts.unmountIfMounted(shm(id));
      FileTrees.deleteRecursively(shm(id).getParent());
      FileTrees.deleteRecursively(directory(id));
    } catch (IOException e) {
      throw SandboxdException.internal("removing the pod files of sandbox " + id + ": " + e.getMessage(), e);
    }
  }

  static byte[] hostnameFile(String hostname) {
    return (hostname + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** A temporary file renamed into place: a container never bind-mounts half a file. Mode 0644, as CRI's. */
  private static void writeIfMissing(Path file, byte[] content) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.write(tmp, content);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(tmp);
    }
  }
}
