package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sandboxd.containerd.ConnectionOptions;
import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.ContainerdConnection;
import dev.sandboxd.containerd.ContainerdEvent;
import dev.sandboxd.containerd.EventListener;
import dev.sandboxd.containerd.ExitStatus;
import dev.sandboxd.containerd.Mount;
import dev.sandboxd.containerd.NewContainer;
import dev.sandboxd.containerd.SnapshotInfo;
import dev.sandboxd.containerd.Subscription;
import dev.sandboxd.containerd.TaskIo;
import dev.sandboxd.containerd.ProcessStatus;
import dev.sandboxd.containerd.image.ContainerdImageStore;
import dev.sandboxd.containerd.image.ImageStore;
import dev.sandboxd.containerd.image.ImportedImage;
import dev.sandboxd.containerd.image.StoredImage;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The containerd client against a real containerd 2.1.9 + runc in a private node (hack/node):
 * image import and unpack, a container's whole life with its exit event and log, exec, and that
 * nothing is left behind, also after a failed import.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerdClientE2E {
  private static final String NAMESPACE = "e2e-client";
  private static final int SIGKILL_EXIT = 128 + 9;

  private final Path repo = Path.of(System.getProperty("sandboxd.repo", "..")).toAbsolutePath().normalize();
  private Path work;
  private Path nodeDir;
  private String nodeName;
  private ContainerdConnection containerd;
  private ImageStore images;
  private String busyboxImage;

  @BeforeAll
  void startNode() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root: runs containerd and runc");
    work = Files.createTempDirectory("sandboxd-e2e-client");
    // The node's name is its cgroup parent: keep it unique among concurrent runs.
    nodeName = "e2e-client-" + UUID.randomUUID().toString().substring(0, 8);
    nodeDir = work.resolve(nodeName);
    Map<String, String> env = parseEnv(hackNode("up", "--dir", nodeDir.toString(), "--no-sandboxd"));
    containerd =
        ContainerdConnection.open(Path.of(env.get("CONTAINERD_ADDRESS")), ConnectionOptions.forNamespace(NAMESPACE));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!containerd.isServing()) {
      assertTrue(System.nanoTime() < deadline, "containerd does not report serving");
      Thread.sleep(100);
    }
    assertTrue(containerd.version().version().startsWith("2.1"), containerd.version().toString());
    images = new ContainerdImageStore(containerd);
    busyboxImage = importBusybox();
  }

  @AfterAll
  void stopNode() throws Exception {
    if (containerd != null) {
      containerd.close();
    }
    if (nodeDir != null) {
      hackNode("down", "--dir", nodeDir.toString());
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The shared busybox archive if hack/build-test-images made it, else one built here. */
  private String importBusybox() throws IOException {
    Path shared = repo.resolve(".cache/images/busybox.tar");
    List<ImportedImage> imported;
    if (Files.isRegularFile(shared)) {
      try (InputStream in = Files.newInputStream(shared)) {
        imported = images.importArchive(in);
      }
    } else {
      OciTestArchive.Built built =
          OciTestArchive.busybox(repo.resolve(".cache/root/bin/busybox"), "localhost/sandboxd/e2e-busybox:1", null, null);
      imported = images.importArchive(new ByteArrayInputStream(built.tar()));
    }
    assertEquals(1, imported.size(), imported.toString());
    return imported.get(0).name();
  }

  @Test
  void importedImageIsRecordedAndUnpacked() throws IOException {
    StoredImage image = images.resolve(busyboxImage);
    assertTrue(image.unpacked());
    SnapshotInfo top = containerd.snapshots().stat(image.chainId()).orElseThrow();
    assertEquals(SnapshotInfo.Kind.COMMITTED, top.kind());
    assertEquals(image.manifest().digest(), containerd.images().get(busyboxImage).target().digest());
    // the GC references, as containerd's own import and unpack set them
    Map<String, String> configLabels = containerd.content().info(image.config().digest()).orElseThrow().labels();
    assertEquals(image.chainId(), configLabels.get("containerd.io/gc.ref.snapshot.overlayfs"));
    Map<String, String> manifestLabels = containerd.content().info(image.manifest().digest()).orElseThrow().labels();
    assertEquals(image.config().digest(), manifestLabels.get("containerd.io/gc.ref.content.config"));
    assertNotNull(manifestLabels.get("containerd.io/gc.ref.content.l.0"));
    String configText = new String(image.configJson(), StandardCharsets.UTF_8);
    assertTrue(configText.contains("\"Cmd\""), configText);

    // importing again changes nothing and leaves no lease behind
    importBusybox();
    assertEquals(image, images.resolve(busyboxImage));
    assertEquals(List.of(), containerd.leases().list());
  }

  @Test
  void gcLabelsKeepAnImportedImageUntilItIsDeleted() throws Exception {
    String name = "localhost/sandboxd/gc-check:1";
    OciTestArchive.Built built =
        OciTestArchive.busybox(repo.resolve(".cache/root/bin/busybox"), name, "marker", UUID.randomUUID().toString());
    ImportedImage imported = images.importArchive(new ByteArrayInputStream(built.tar())).get(0);
    assertEquals(built.diffId(), imported.chainId()); // one uncompressed layer: chain = diff ID = blob digest

    collectGarbage();
    // The import's lease is gone; only the labels hold content and snapshot now.
    assertTrue(images.resolve(name).unpacked());
    for (String digest : List.of(built.manifestDigest(), built.configDigest(), built.layerDigest())) {
      assertTrue(containerd.content().info(digest).isPresent(), digest);
    }

    containerd.images().delete(name, true);
    for (String digest : List.of(built.manifestDigest(), built.configDigest(), built.layerDigest())) {
      assertEquals(Optional.empty(), containerd.content().info(digest), digest);
    }
    assertEquals(Optional.empty(), containerd.snapshots().stat(imported.chainId()));
  }

  /** Deleting a lease synchronously makes containerd run its garbage collector now. */
  private void collectGarbage() {
    String lease = containerd.leases().create(null, Map.of(), Duration.ofMinutes(1)).id();
    containerd.leases().delete(lease, true);
  }

  @Test
  void containerRunsExitsWithItsCodeAndLeavesNothing() throws Exception {
    StoredImage image = images.resolve(busyboxImage);
    String id = "test1";
    Path log = work.resolve("out.log");
    List<Mount> rootfs = createContainer(id, image, List.of("/bin/sh", "-c", "echo hi; exit 3"));

    BlockingQueue<ContainerdEvent> events = new LinkedBlockingQueue<>();
    Subscription subscription = containerd.events().subscribe(List.of("topic~=\"^/tasks/\""), collect(events));
    try {
      int pid = containerd.tasks().create(id, rootfs, TaskIo.logFile(log));
      assertTrue(pid > 0);
      assertEquals(ProcessStatus.CREATED, containerd.tasks().get(id).status());
      assertEquals(pid, containerd.tasks().start(id));
      ExitStatus exit = containerd.tasks().wait(id, "", Duration.ofSeconds(30));
      assertEquals(3, exit.code());

      ContainerdEvent.TaskExit exitEvent = awaitExit(events, id);
      assertEquals(3, exitEvent.exitStatus());
      assertEquals(pid, exitEvent.pid());
      assertTrue(exitEvent.isInit());
      assertEquals(NAMESPACE, exitEvent.namespace());
    } finally {
      subscription.close();
    }
    assertEquals("hi\n", Files.readString(log));
    assertEquals(ProcessStatus.STOPPED, containerd.tasks().get(id).status());

    assertEquals(3, containerd.tasks().delete(id).code());
    removeContainer(id);
    assertEquals(List.of(), containerd.containers().list());
    assertEquals(Optional.empty(), containerd.snapshots().stat(id + "-rootfs"));
    assertEquals(List.of(), containerd.leases().list());
    assertInstanceOf(
        SandboxdException.NotFound.class, assertThrows(SandboxdException.class, () -> containerd.tasks().get(id)));
  }

  @Test
  void execRunsAProcessInARunningTask() throws Exception {
    StoredImage image = images.resolve(busyboxImage);
    String id = "test2";
    List<Mount> rootfs = createContainer(id, image, List.of("/bin/sleep", "30"));
    int pid = containerd.tasks().create(id, rootfs, TaskIo.none());
    containerd.tasks().start(id);
    assertEquals(ProcessStatus.RUNNING, containerd.tasks().get(id).status());

    Path execLog = work.resolve("exec.log");
    byte[] process =
        """
        {"args":["/bin/sh","-c","echo ok; exit 7"],"cwd":"/","env":["PATH=/bin"],
         "user":{"uid":0,"gid":0},"terminal":false}
        """
            .getBytes(StandardCharsets.UTF_8);
    containerd.tasks().exec(id, "exec-1", process, TaskIo.logFile(execLog));
    int execPid = containerd.tasks().start(id, "exec-1");
    assertTrue(execPid > 0 && execPid != pid);
    assertEquals(7, containerd.tasks().wait(id, "exec-1", Duration.ofSeconds(30)).code());
    assertEquals("ok\n", Files.readString(execLog));
    assertEquals(7, containerd.tasks().deleteProcess(id, "exec-1").code());
    assertEquals(List.of(pid), containerd.tasks().pids(id));

    containerd.tasks().kill(id, "", 9, false);
    assertEquals(SIGKILL_EXIT, containerd.tasks().wait(id, "", Duration.ofSeconds(30)).code());
    containerd.tasks().delete(id);
    removeContainer(id);
    assertEquals(List.of(), containerd.containers().list());
  }

  @Test
  void failedImportLeavesNoContent() throws Exception {
    // Unique content, so none of its blobs exists already.
    OciTestArchive.Built built =
        OciTestArchive.busybox(
            repo.resolve(".cache/root/bin/busybox"), "localhost/sandboxd/broken:1", "marker", UUID.randomUUID().toString());
    byte[] cut = Arrays.copyOf(built.tar(), built.tar().length - 1024 - 200); // inside the manifest, the last blob
    AtomicBoolean blobsWereStored = new AtomicBoolean();
    InputStream archive =
        new FilterInputStream(new ByteArrayInputStream(cut)) {
          private boolean checked;

          @Override
          public int read() throws IOException {
            return atEnd(super.read());
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            return atEnd(super.read(b, off, len));
          }

          // Where the archive breaks off, layer and config must be in the store (in the lease).
          private int atEnd(int n) {
            if (n < 0 && !checked) {
              checked = true;
              blobsWereStored.set(
                  containerd.content().info(built.layerDigest()).isPresent()
                      && containerd.content().info(built.configDigest()).isPresent());
            }
            return n;
          }
        };
    SandboxdException e = assertThrows(SandboxdException.class, () -> images.importArchive(archive));
    assertInstanceOf(SandboxdException.InvalidArgument.class, e);
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(blobsWereStored.get(), "the import had stored complete blobs before it failed");

    // The import's lease was deleted synchronously, so GC has run: the complete blobs it wrote
    // (layer, config) are gone with the partial one.
    assertEquals(Optional.empty(), containerd.content().info(built.layerDigest()));
    assertEquals(Optional.empty(), containerd.content().info(built.configDigest()));
    assertEquals(Optional.empty(), containerd.content().info(built.manifestDigest()));
    assertEquals(List.of(), containerd.content().ingests());
    assertEquals(List.of(), containerd.leases().list());
    assertInstanceOf(
        SandboxdException.NotFound.class,
        assertThrows(SandboxdException.class, () -> containerd.images().get("localhost/sandboxd/broken:1")));
  }

  /** The rootfs snapshot and the container record, within one lease, as containerd's NewContainer does. */
  private List<Mount> createContainer(String id, StoredImage image, List<String> args) {
    byte[] spec = spec(id, args).getBytes(StandardCharsets.UTF_8);
    return containerd.withTemporaryLease(
        Map.of(),
        Duration.ofMinutes(5),
        (Containerd leased) -> {
          List<Mount> mounts =
              new ContainerdImageStore(leased).prepareRootfs(id + "-rootfs", image.chainId(), false, Map.of());
          leased
              .containers()
              .create(
                  NewContainer.of(id, spec)
                      .withImage(busyboxImage)
                      .withLabels(Map.of("sandboxd.e2e", "client"))
                      .withSnapshot("overlayfs", id + "-rootfs"));
          return mounts;
        });
  }

  private void removeContainer(String id) {
    containerd.containers().delete(id);
    containerd.snapshots().remove(id + "-rootfs");
  }

  /** A minimal OCI spec: new namespaces, no resources (any CPU setting breaks runc on this host). */
  private String spec(String id, List<String> args) {
    String argv = String.join(",", args.stream().map(a -> "\"" + a.replace("\"", "\\\"") + "\"").toList());
    return """
        {
          "ociVersion": "1.0.2",
          "process": {
            "terminal": false,
            "user": {"uid": 0, "gid": 0},
            "args": [%s],
            "env": ["PATH=/bin:/sbin:/usr/bin:/usr/sbin"],
            "cwd": "/",
            "noNewPrivileges": true
          },
          "root": {"path": "rootfs", "readonly": false},
          "hostname": "%s",
          "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}
          ],
          "linux": {
            "cgroupsPath": "/%s/%s",
            "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}],
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
          }
        }
        """
        .formatted(argv, id, nodeName, id);
  }

  private static EventListener collect(BlockingQueue<ContainerdEvent> events) {
    return new EventListener() {
      @Override
      public void onEvent(ContainerdEvent event) {
        events.add(event);
      }

      @Override
      public void onEnd(Optional<SandboxdException> error) {
        error.ifPresent(e -> System.err.println("event stream ended: " + e));
      }
    };
  }

  private static ContainerdEvent.TaskExit awaitExit(BlockingQueue<ContainerdEvent> events, String containerId)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      ContainerdEvent e = events.poll(100, TimeUnit.MILLISECONDS);
      if (e instanceof ContainerdEvent.TaskExit exit && exit.containerId().equals(containerId)) {
        return exit;
      }
    }
    throw new AssertionError("no /tasks/exit event for " + containerId);
  }

  private String hackNode(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", repo.resolve("hack/node").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "hack/node " + args[0] + " hangs");
    assertEquals(0, p.exitValue(), "hack/node " + String.join(" ", args) + " failed (see stderr)");
    return stdout;
  }

  private static Map<String, String> parseEnv(String output) {
    Map<String, String> env = new HashMap<>();
    for (String line : output.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }
}
