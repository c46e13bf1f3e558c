package dev.sandboxd.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.spec.EtcFiles;
import dev.sandboxd.spec.VolumeBind;
import dev.sandboxd.system.Mounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeManagerTest {
  @TempDir Path root;
  final List<String> mounted = new ArrayList<>();
  final Mounts mounts = new Mounts() {
    @Override
    public void mountTmpfs(Path target, Optional<Long> sizeBytes) {
      mounted.add(target + " " + sizeBytes.orElse(-1L));
    }

    @Override
    public void unmountIfMounted(Path target) {
      mounted.removeIf(m -> m.startsWith(target + " "));
    }

    @Override
    public boolean isMountPoint(Path path) {
      return mounted.stream().anyMatch(m -> m.startsWith(path + " "));
    }
  };

  Pod pod(String hostDir, String subPath) {
    return PodManifests.withRandomUids().parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, uid: u1}
        spec:
          containers:
          - name: c
            image: busybox
            volumeMounts:
            - {name: scratch, mountPath: /scratch, subPath: %s}
            - {name: mem, mountPath: /mem}
            - {name: host, mountPath: /host, readOnly: true}
          volumes:
          - {name: scratch, emptyDir: {}}
          - {name: mem, emptyDir: {medium: Memory, sizeLimit: 1Mi}}
          - {name: host, hostPath: {path: %s}}
        """.formatted(subPath, hostDir), false).pod();
  }

  @Test
  void preparesEmptyDirsTmpfsAndHostPathsAndResolvesBinds() throws Exception {
    VolumeManager volumes = new VolumeManager(root.resolve("pods"), mounts);
    Path host = root.resolve("host/dir");
    Pod pod = pod(host.toString(), "logs/app");
    Map<String, Path> prepared = volumes.prepare(pod);

    assertTrue(Files.isDirectory(host), "a missing hostPath (type unset) becomes a directory");
    assertEquals(List.of(root.resolve("pods/u1/volumes/mem") + " 1048576"), mounted);
    Container c = pod.spec().containers().get(0);
    List<VolumeBind> binds = volumes.binds(c, prepared);
    assertEquals(new VolumeBind(root.resolve("pods/u1/volumes/scratch/logs/app").toString(), "/scratch", false), binds.get(0));
    assertTrue(Files.isDirectory(root.resolve("pods/u1/volumes/scratch/logs/app")), "subPath created");
    // emptyDirs as kubelet makes them, so a non-root container can write; the pod's directories private
    assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("pods/u1/volumes/scratch"))));
    assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("pods/u1/volumes/mem"))));
    for (String dir : List.of("pods/u1", "pods/u1/volumes")) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(dir))), dir);
    }
    assertEquals(new VolumeBind(host.toString(), "/host", true), binds.get(2));

    volumes.cleanup("u1");
    assertFalse(Files.exists(root.resolve("pods/u1")));
    assertEquals(List.of(), mounted, "tmpfs unmounted");
    assertTrue(Files.isDirectory(host), "hostPaths are never deleted");
  }

  @Test
  void everyPodGetsItsOwnHostsHostnameAndResolvConf() throws Exception {
    VolumeManager volumes = new VolumeManager(root.resolve("pods"), mounts);
    Path resolv = Files.writeString(root.resolve("resolv.conf"), "nameserver 127.0.0.53\n");
    EtcFiles etc = volumes.writeEtcFiles(pod(root.resolve("h").toString(), "x"), "web-1", resolv);

    String hosts = Files.readString(Path.of(etc.hosts().orElseThrow()));
    assertTrue(hosts.contains("127.0.0.1\tlocalhost\n"), hosts);
    assertTrue(hosts.contains("::1\tlocalhost"), hosts);
    assertTrue(hosts.contains("\tweb-1\n"), hosts);
    assertEquals("web-1\n", Files.readString(Path.of(etc.hostname().orElseThrow())));
    assertEquals("nameserver 127.0.0.53\n", Files.readString(Path.of(etc.resolvConf().orElseThrow())));
    assertTrue(etc.hosts().orElseThrow().startsWith(root.resolve("pods/u1").toString()), "removed with the pod");
    assertTrue(volumes.writeEtcFiles(pod(root.resolve("h").toString(), "x"), "web-1", root.resolve("none")).resolvConf().isEmpty());
  }

  @Test
  void aSubPathThatEscapesThroughASymlinkIsRefused() throws Exception {
    VolumeManager volumes = new VolumeManager(root.resolve("pods"), mounts);
    Pod pod = pod(root.resolve("host").toString(), "link/etc");
    Map<String, Path> prepared = volumes.prepare(pod);
    Path outside = Files.createDirectories(root.resolve("outside/etc"));
    Files.createSymbolicLink(prepared.get("scratch").resolve("link"), outside.getParent());

    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> volumes.binds(pod.spec().containers().get(0), prepared));
    assertTrue(e.getMessage().contains("subPath"), e.getMessage());
  }
}
