package dev.sandboxd.sandboxer;

import dev.sandboxd.cgroup.Cgroup2Fs;
import dev.sandboxd.cgroup.FakeCgroupFs;
import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.image.StaticImages;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.sandbox.PauseSandboxController;
import dev.sandboxd.seccomp.SeccompProfileRoot;
import dev.sandboxd.spec.ProcessPrivileges;
import dev.sandboxd.volume.FakeVolumeSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;

/** A node for the CRI sandboxer's tests: fake containerd, mounts and cgroups, host files under a temporary directory. */
final class CriFixture {
  static final Instant NOW = Instant.parse("2026-12-02T03:00:00Z");
  final Path tmp;
  final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  final FakeContainerRuntime runtime = new FakeContainerRuntime();
  final FakeVolumeSystem mounts = new FakeVolumeSystem();
  final FakeCgroupFs cgroupFs;
  final CriSandboxRecords records;

  CriFixture(Path tmp) throws IOException {
    this.tmp = tmp;
    Files.writeString(tmp.resolve("hosts"), "127.0.0.1 localhost\n");
    Files.writeString(tmp.resolve("resolv.conf"), "nameserver 192.0.2.53\n");
    Files.writeString(tmp.resolve("hostname"), "node-1\n");
    cgroupFs = new FakeCgroupFs(tmp.resolve("cgroup"), "cpu", "memory", "pids");
    records = new CriSandboxRecords(tmp.resolve("state"));
  }

  CriPodFiles files() {
    return new CriPodFiles(tmp.resolve("cri-root"), tmp.resolve("cri-state"), mounts,
        tmp.resolve("hosts"), tmp.resolve("resolv.conf"), tmp.resolve("hostname"));
  }

  /** A new sandboxer over the same fakes and files (as after a sandboxd restart). */
  CriSandboxes sandboxes() {
    PauseSandboxController pauses = new PauseSandboxController(runtime, new PauseImage(new StaticImages(), StaticImages.PAUSE),
        new ProcessPrivileges(List.of(), 0), clock);
    return new CriSandboxes("k8s.io", pauses, records, files(), new ShimEndpoints(tmp.resolve("containerd-state")),
        new SeccompProfileRoot(Optional.of(tmp.resolve("seccomp"))),
        new Cgroup2Fs(cgroupFs, "/sandboxd", new ResourcePolicy(0, ResourcePolicy.MissingController.reject, 1L << 32)), clock,
        ForkJoinPool.commonPool());
  }
}
