package dev.sandboxd.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.spec.VolumeBind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeManagerTest {
  @TempDir Path root;
  final FakeVolumeSystem system = new FakeVolumeSystem();

  VolumeManager volumes() {
    return new VolumeManager(root.resolve("pods"), system, system);
  }

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
  void preparesEmptyDirsTmpfsAndHostPathsAndStagesSubPaths() throws Exception {
    VolumeManager volumes = volumes();
    Path host = root.resolve("host/dir");
    Pod pod = pod(host.toString(), "logs/app");
    volumes.prepare(pod);

    assertTrue(Files.isDirectory(host), "a missing hostPath (type unset) becomes a directory");
    Path mem = root.resolve("pods/u1/volumes/mem");
    assertEquals(Map.of(mem, "tmpfs 1048576"), system.mounted);
    Container c = pod.spec().containers().get(0);
    List<VolumeBind> binds = volumes.binds(pod, c, "run1");
    Path staged = root.resolve("pods/u1/subpaths/run1/0");
    assertEquals(new VolumeBind(staged.toString(), "/scratch", false), binds.get(0));
    assertEquals(root.resolve("pods/u1/volumes/scratch/logs/app").toString(), system.mounted.get(staged),
        "runc gets the staging path, onto which the subPath itself is mounted");
    assertTrue(Files.isDirectory(root.resolve("pods/u1/volumes/scratch/logs/app")), "subPath created");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(staged.getParent().getParent())));
    assertEquals(new VolumeBind(mem.toString(), "/mem", false), binds.get(1));
    // emptyDirs as kubelet makes them, so a non-root container can write; the pod's directories private
    assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("pods/u1/volumes/scratch"))));
    assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("pods/u1/volumes/mem"))));
    for (String dir : List.of("pods/u1", "pods/u1/volumes")) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(dir))), dir);
    }
    assertEquals(new VolumeBind(host.toString(), "/host", true), binds.get(2));
    assertEquals(List.of(), system.openHandles, "every handle closed");

    volumes.cleanup("u1");
    assertFalse(Files.exists(root.resolve("pods/u1")));
    assertEquals(Map.of(), system.mounted, "tmpfs and staging mounts unmounted");
    assertTrue(Files.isDirectory(host), "hostPaths are never deleted");
  }

  @Test
  void aMissingSubPathIsMadeWithTheVolumesMode() throws Exception {
    VolumeManager volumes = volumes();
    Pod pod = pod(root.resolve("host").toString(), "a/b");
    Path scratch = volumes.prepare(pod).get("scratch");
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxrwxrwx"));

    volumes.binds(pod, pod.spec().containers().get(0), "run1");
    assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(scratch.resolve("a/b"))));
  }

  @Test
  void aSymlinkThatStaysInsideTheVolumeIsFollowedAndAFileCanBeMounted() throws Exception {
    VolumeManager volumes = volumes();
    Pod pod = pod(root.resolve("host").toString(), "link/config");
    Path scratch = volumes.prepare(pod).get("scratch");
    Files.writeString(Files.createDirectories(scratch.resolve("real")).resolve("config"), "x");
    Files.createSymbolicLink(scratch.resolve("link"), Path.of("real"));

    List<VolumeBind> binds = volumes.binds(pod, pod.spec().containers().get(0), "run1");
    Path staged = Path.of(binds.get(0).hostPath());
    assertTrue(Files.isRegularFile(staged), "a file is staged on a file");
    assertEquals(scratch.toRealPath().resolve("real/config").toString(), system.mounted.get(staged));
  }

  @Test
  void aDirectorySwappedForASymlinkWhileItIsOpenedIsRefusedAndNothingStays() throws Exception {
    VolumeManager volumes = volumes();
    Pod pod = pod(root.resolve("host").toString(), "d");
    Path scratch = volumes.prepare(pod).get("scratch");
    Path outside = Files.createDirectories(root.resolve("outside"));
    Files.createDirectories(scratch.resolve("d"));
    // What a hostile container does in a loop: after the check, before the open, d becomes a symlink.
    system.beforeOpen = p -> {
      if (p.getFileName().toString().equals("d") && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.move(p, p.resolveSibling("d.real"));
          Files.createSymbolicLink(p, outside);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };

    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> volumes.binds(pod, pod.spec().containers().get(0), "run1"));
    assertTrue(e.getMessage().contains("volumeMounts[0].subPath") && e.getMessage().contains("symbolic link"), e.getMessage());
    assertEquals(Map.of(root.resolve("pods/u1/volumes/mem"), "tmpfs 1048576"), system.mounted, "no staging mount");
    assertFalse(Files.exists(root.resolve("pods/u1/subpaths/run1")), "no staging directory");
    assertEquals(List.of(), system.openHandles, "every handle closed");
  }

  @Test
  void releasingARunUnmountsOnlyItsStagingMounts() throws Exception {
    VolumeManager volumes = volumes();
    Pod pod = pod(root.resolve("host").toString(), "d");
    volumes.prepare(pod);
    Container c = pod.spec().containers().get(0);
    volumes.binds(pod, c, "run1");
    volumes.binds(pod, c, "run2");
    volumes.binds(pod, c, "run3");

    volumes.releaseContainer("u1", "run1");
    assertFalse(Files.exists(root.resolve("pods/u1/subpaths/run1")));
    assertFalse(system.mounted.containsKey(root.resolve("pods/u1/subpaths/run1/0")));
    assertTrue(system.mounted.containsKey(root.resolve("pods/u1/subpaths/run2/0")));

    // After a crash, recovery keeps the runs the record names.
    volumes.releaseContainersExcept("u1", Set.of("run3"));
    assertFalse(Files.exists(root.resolve("pods/u1/subpaths/run2")));
    assertTrue(system.mounted.containsKey(root.resolve("pods/u1/subpaths/run3/0")));
    assertTrue(Files.isDirectory(root.resolve("pods/u1/volumes/scratch/d")), "the volume's own files stay");
  }

  @Test
  void nothingIsDeletedWhileAMountStays() throws Exception {
    FakeVolumeSystem stuck = new FakeVolumeSystem() {
      @Override
      public void unmountIfMounted(Path target) {
        // a mount that will not go (busy, or a kernel refusing)
      }
    };
    VolumeManager volumes = new VolumeManager(root.resolve("pods"), stuck, stuck);
    Pod pod = pod(root.resolve("host").toString(), "d");
    volumes.prepare(pod);
    volumes.binds(pod, pod.spec().containers().get(0), "run1");

    assertThrows(java.io.IOException.class, () -> volumes.cleanup("u1"));
    assertTrue(Files.isDirectory(root.resolve("pods/u1/subpaths/run1/0")), "not deleted through the mount");
  }

  @Test
  void aSubPathThatEscapesThroughASymlinkIsRefused() throws Exception {
    VolumeManager volumes = volumes();
    Pod pod = pod(root.resolve("host").toString(), "link/etc");
    Map<String, Path> prepared = volumes.prepare(pod);
    Path outside = Files.createDirectories(root.resolve("outside/etc"));
    Files.createSymbolicLink(prepared.get("scratch").resolve("link"), outside.getParent());

    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> volumes.binds(pod, pod.spec().containers().get(0), "run1"));
    assertTrue(e.getMessage().contains("subPath") && e.getMessage().contains("outside its volume"), e.getMessage());
    assertFalse(Files.exists(root.resolve("pods/u1/subpaths/run1")));
  }
}
