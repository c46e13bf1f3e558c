package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The install tarball as an operator uses it: hack/package builds it, install.sh puts it into a
 * scratch root that holds Debian's containerd and runc packages (dpkg -x) and the machine's systemd
 * units, systemd-analyze verifies the units there, sandboxd runs from the installed files by its
 * unit's ExecStart line inside a private node (whose mount namespace sees the scratch root's /etc
 * and /opt over the host's), the installed sandboxctl drives it, and --uninstall leaves the root
 * exactly as it was (every path, mode, link and checksum).
 */
class InstallE2E {
  private static final String PREFIX = "/opt/sandbox d"; // a space, as a careless operator might
  private static final String GROUP = "sbxe2e";
  private static final int GID = 64999;
  private static Path work;
  private static Path unpacked;

  @BeforeAll
  static void buildTarball() throws Exception {
    work = Path.of("/run", "sandboxd-e2e-install-" + ProcessHandle.current().pid());
    Files.createDirectories(work);
    // The jar is built by the time e2e tests run (hack/test runs mvn verify).
    Run pkg = run(Map.of(), Node.REPO.resolve("hack/package").toString(), "--no-build", "--out", work.resolve("dist").toString());
    assertEquals(0, pkg.code(), pkg::all);
    Path tarball = Path.of(pkg.out().strip().lines().reduce((a, b) -> b).orElseThrow());
    assertTrue(tarball.getFileName().toString().matches("sandboxd-.+-linux-amd64\\.tar\\.gz"), tarball::toString);
    Files.createDirectories(work.resolve("x"));
    ok(run(Map.of(), "tar", "-xzf", tarball.toString(), "-C", work.resolve("x").toString()));
    try (Stream<Path> s = Files.list(work.resolve("x"))) {
      unpacked = s.findFirst().orElseThrow();
    }
    for (String f : List.of("bin/sandboxd", "bin/sandboxctl", "lib/sandboxd/sandboxd.jar", "install.sh", "INSTALL.md",
        "share/sandboxd/sandboxd.yaml", "share/sandboxd/sandboxd.service.in", "share/sandboxd/containerd-sandboxd.toml",
        "lib/sandboxd/sandboxctl.jvm.options", "lib/sandboxd/sandboxd.classlist", "lib/sandboxd/native/libio_grpc_netty_shaded_netty_transport_native_epoll_x86_64.so",
        "share/man/man1/sandboxctl.1", "share/man/man1/sandboxctl-run.1",
        "share/bash-completion/completions/sandboxctl")) {
      assertTrue(Files.exists(unpacked.resolve(f)), "the tarball has " + f);
    }
  }

  @AfterAll
  static void removeWork() throws Exception {
    if (work != null) {
      run(Map.of(), "rm", "-rf", "--", work.toString());
    }
  }

  @Test
  void installedFilesRunSandboxdAndUninstallLeavesTheRootAsItWas() throws Exception {
    Path root = debianHost("root");
    Files.createDirectories(root.resolve("etc/systemd/system/containerd.service.d"));
    Files.writeString(root.resolve("etc/systemd/system/containerd.service.d/10-admin.conf"), "[Service]\nLimitNOFILE=4096\n");
    Files.writeString(root.resolve("etc/group"), Files.readString(Path.of("/etc/group")) + GROUP + ":x:" + GID + ":\n");
    List<String> before = snapshot(root);

    ok(install(root, "--socket-group", GROUP));
    Path manifest = root.resolve(PREFIX.substring(1)).resolve("lib/sandboxd/install.manifest");
    String first = Files.readString(manifest);
    ok(install(root, "--socket-group", GROUP));
    assertEquals(first, Files.readString(manifest), "a second install changes nothing");
    assertTrue(first.contains("\t/etc/containerd/conf.d/sandboxd.toml\n") && first.contains("\t/etc/sandboxd/sandboxd.yaml\n"), first);

    Run verify = run(Map.of(), "systemd-analyze", "verify", "--root=" + root, "sandboxd.service", "containerd.service");
    assertEquals(0, verify.code(), verify::all);
    String unit = Files.readString(root.resolve("etc/systemd/system/sandboxd.service"));
    assertTrue(unit.contains("\nBefore=containerd.service\n"), unit);

    runInstalledFilesOnANode(root, unit);

    Run uninstall = run(Map.of(), root.resolve(PREFIX.substring(1)).resolve("lib/sandboxd/install.sh").toString(),
        "--uninstall", "--prefix", PREFIX, "--root", root.toString());
    assertEquals(0, uninstall.code(), uninstall::all);
    assertEquals(String.join("\n", before), String.join("\n", snapshot(root)), "the root after --uninstall");
  }

  /** containerd of a private node; sandboxd from the unit's ExecStart; the installed sandboxctl. */
  private static void runInstalledFilesOnANode(Path root, String unit) throws Exception {
    Path node = Path.of("/run", "sandboxd-e2e-installed-" + ProcessHandle.current().pid());
    Process sandboxd = null;
    try {
      ok(run(Map.of(), Node.REPO.resolve("hack/node").toString(), "up", "--dir", node.toString(), "--no-sandboxd"));
      // Inside the node only: the scratch root's /etc and /opt over the host's, read-only.
      for (String dir : List.of("/etc", "/opt")) {
        ok(inNode(node, "mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + root + dir + ":" + dir, dir));
      }
      String execStart = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow().substring(10);
      // The unit's command with the node's sockets and directories (flags win over the config file).
      List<String> cmd = new ArrayList<>(List.of(Node.REPO.resolve("hack/node").toString(), "exec", "--dir", node.toString(),
          "--", "sh", "-c", "exec " + execStart + " \"$@\"", "sandboxd",
          "--containerd-address", node + "/containerd.sock", "--address", node + "/sandboxd.sock",
          "--root", node + "/sandboxd/root", "--state", node + "/sandboxd/state",
          "--cgroup-parent", "/" + node.getFileName(), "--metrics-address", "127.0.0.1:0",
          // This node shares the machine's network namespace: no bridge or NAT rules of a pod network there.
          "--network", "none"));
      sandboxd = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(node.resolve("sandboxd.log").toFile()).start();
      Path socket = node.resolve("sandboxd.sock");
      for (int i = 0; i < 600 && !Files.exists(socket) && sandboxd.isAlive(); i++) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(socket), () -> "sandboxd from the unit's ExecStart did not serve: " + Node.tail(node.resolve("sandboxd.log")));
      assertEquals(GID, Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS), "the socket's group (--socket-group)");
      String execStartPost = unit.lines().filter(l -> l.startsWith("ExecStartPost=")).findFirst().orElseThrow().substring(14);
      ok(inNode(node, "sh", "-c", execStartPost));

      String ctl = PREFIX + "/bin/sandboxctl";
      Path manifest = node.resolve("pod.yaml");
      Files.writeString(manifest, "apiVersion: v1\nkind: Pod\nmetadata: {name: installed}\nspec: {containers: []}\n");
      ok(inNode(node, ctl, "--address", socket.toString(), "run", "--lenient", "-f", manifest.toString()));
      Run ps = inNode(node, ctl, "--address", socket.toString(), "ps");
      ok(ps);
      assertTrue(ps.out().contains("installed"), ps::all);
      ok(inNode(node, ctl, "--address", socket.toString(), "rm", "-f", "installed"));

      // containerd started as the drop-in starts it reads Debian's config.toml and sandboxd's conf.d file.
      String containerdExec = Files.readString(root.resolve("etc/systemd/system/containerd.service.d/50-sandboxd.conf"))
          .lines().filter(l -> l.startsWith("ExecStart=/")).findFirst().orElseThrow().substring(10);
      List<String> dump = new ArrayList<>(List.of(Node.REPO.resolve(".cache/root/usr/bin/containerd").toString()));
      dump.addAll(List.of(containerdExec.split(" ")).subList(1, containerdExec.split(" ").length));
      dump.addAll(List.of("config", "dump"));
      Run config = inNode(node, dump.toArray(String[]::new));
      ok(config);
      assertTrue(config.out().contains("[proxy_plugins.sandboxd]") && config.out().contains("sandboxer = 'sandboxd'"), config::all);
      assertTrue(config.out().contains("'/usr/lib/cni'"), () -> "Debian's config.toml is still read: " + config.out());
    } finally {
      if (sandboxd != null) {
        sandboxd.destroy();
        sandboxd.waitFor(30, TimeUnit.SECONDS);
      }
      run(Map.of(), Node.REPO.resolve("hack/node").toString(), "down", "--dir", node.toString());
    }
  }

  @Test
  void refusesWhatAnOperatorGetsWrongAndChangesNothing() throws Exception {
    Path root = debianHost("careless");
    List<String> before = snapshot(root);

    Run noJava = run(Map.of("JAVA_HOME", "/nonexistent"), unpacked.resolve("install.sh").toString(),
        "--prefix", PREFIX, "--root", root.toString());
    assertRefused(noJava, "Java 17");
    Run group = install(root, "--socket-group", "no-such-group");
    assertRefused(group, "no group 'no-such-group'");
    Run relative = install(root, "--prefix", "opt/sandboxd");
    assertRefused(relative, "not an absolute path");
    assertEquals(before, snapshot(root), "refusals changed nothing");

    // Not its own: an admin's unit of the same name; a link that would lead the install elsewhere.
    Path adminUnit = root.resolve("etc/systemd/system/sandboxd.service");
    Files.writeString(adminUnit, "[Service]\nExecStart=/usr/local/bin/sandboxd\n");
    List<String> withAdminUnit = snapshot(root);
    assertRefused(install(root), "did not install it");
    assertEquals(withAdminUnit, snapshot(root), "a refused install changed nothing");
    Files.delete(adminUnit);
    Files.createDirectories(root.resolve("elsewhere"));
    Files.createSymbolicLink(root.resolve("etc/sandboxd"), root.resolve("elsewhere"));
    List<String> withLink = snapshot(root);
    assertRefused(install(root), "symbolic link");
    assertEquals(withLink, snapshot(root), "nothing was written through the link");
    Files.delete(root.resolve("etc/sandboxd"));
    Files.delete(root.resolve("elsewhere"));

    // A failure half-way (a file where install.sh makes a directory) undoes every file written so far.
    Path confD = root.resolve("etc/containerd/conf.d");
    Files.writeString(confD, "");
    List<String> withFile = snapshot(root);
    Run failed = install(root);
    assertNotEquals(0, failed.code(), failed::all);
    assertTrue(failed.err().contains("every change it made is undone"), failed::all);
    assertEquals(withFile, snapshot(root), "the failed install undid its changes");
    Files.delete(confD);

    // An admin's own config file stays as it is, through install and uninstall.
    Files.createDirectories(root.resolve("etc/sandboxd"));
    Files.writeString(root.resolve("etc/sandboxd/sandboxd.yaml"), "root: /srv/sandboxd\n");
    List<String> withConfig = snapshot(root);
    ok(install(root));
    assertEquals("root: /srv/sandboxd\n", Files.readString(root.resolve("etc/sandboxd/sandboxd.yaml")));
    // An enabled unit would dangle: uninstall refuses until it is disabled.
    Path wants = Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants")).resolve("sandboxd.service");
    Files.createSymbolicLink(wants, Path.of("/etc/systemd/system/sandboxd.service"));
    assertRefused(uninstall(root), "systemctl disable");
    Files.delete(wants);
    Files.delete(wants.getParent());
    // An installed /etc file the admin changed is kept by re-install and uninstall, unless --purge.
    Path unit = root.resolve("etc/systemd/system/sandboxd.service");
    Files.writeString(unit, Files.readString(unit) + "# changed by the admin\n");
    ok(install(root));
    assertTrue(Files.readString(unit).endsWith("# changed by the admin\n"), "a re-install keeps a changed unit");
    ok(uninstall(root));
    assertTrue(Files.readString(unit).endsWith("# changed by the admin\n"), "uninstall keeps a changed unit");
    assertRefused(install(root), "did not install it"); // no longer its own
    Files.delete(unit);
    assertEquals(withConfig, snapshot(root), "uninstall keeps the admin's own config");
    ok(install(root));
    Files.writeString(unit, Files.readString(unit) + "# changed by the admin\n");
    ok(uninstall(root, "--purge"));
    assertEquals(withConfig, snapshot(root), "uninstall --purge removes the changed unit too");

    Path bare = Files.createDirectories(work.resolve("bare/etc/systemd/system")).getParent().getParent().getParent();
    assertRefused(install(bare), "install Debian's containerd first");
  }

  private static void assertRefused(Run r, String why) {
    assertNotEquals(0, r.code(), r::all);
    assertTrue(r.err().contains("install.sh: error: ") && r.err().contains(why), r::all);
  }

  /** A scratch root holding Debian's containerd and runc packages and the machine's systemd units. */
  private static Path debianHost(String name) throws Exception {
    Path root = Files.createDirectories(work.resolve(name));
    for (String pkg : List.of("containerd_", "runc_")) {
      try (Stream<Path> debs = Files.list(Node.REPO.resolve(".cache/debs"))) {
        Path deb = debs.filter(p -> p.getFileName().toString().startsWith(pkg)).findFirst().orElseThrow();
        ok(run(Map.of(), "dpkg-deb", "-x", deb.toString(), root.toString()));
      }
    }
    Files.createDirectories(root.resolve("etc/systemd/system"));
    ok(run(Map.of(), "cp", "-a", "/usr/lib/systemd/system/.", root.resolve("usr/lib/systemd/system").toString()));
    return root;
  }

  private static Run uninstall(Path root, String... args) throws Exception {
    return install(root, Stream.concat(Stream.of("--uninstall"), Stream.of(args)).toArray(String[]::new));
  }

  private static Run install(Path root, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(unpacked.resolve("install.sh").toString(), "--prefix", PREFIX, "--root", root.toString()));
    cmd.addAll(List.of(args));
    return run(Map.of(), cmd.toArray(String[]::new));
  }

  /** Every path below root with its type, mode, link target and, for files, SHA-256. */
  static List<String> snapshot(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      return paths.sorted().map(p -> {
        try {
          String rel = "/" + root.relativize(p);
          if (Files.isSymbolicLink(p)) {
            return "l " + rel + " -> " + Files.readSymbolicLink(p);
          }
          String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
          return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "d " + mode + " " + rel : "f " + mode + " " + rel + " " + sha256(p);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }).collect(Collectors.toList());
    }
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Run inNode(Path node, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Node.REPO.resolve("hack/node").toString(), "exec", "--dir", node.toString(), "--"));
    cmd.addAll(List.of(args));
    return run(Map.of(), cmd.toArray(String[]::new));
  }

  record Run(int code, String out, String err, String command) {
    String all() {
      return command + " exited " + code + "\n" + out + err;
    }
  }

  private static void ok(Run r) {
    assertEquals(0, r.code(), r::all);
  }

  private static Run run(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 180 s");
    }
    return new Run(p.exitValue(), out, err.join(), String.join(" ", cmd));
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
