package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Limits that this machine's cgroup2 tree cannot enforce (memory, CPU, pids), checked in a QEMU
 * guest with Debian's kernel (hack/vm): the guest starts containerd and sandboxd from this build
 * and runs {@link VmGuestChecks}; each of its checks becomes one test here.
 */
class VmResourcesE2E {
  /** Boot, node start and checks take about 3 minutes under emulation; hack/vm has its own timeout below this. */
  private static final long TIMEOUT_MINUTES = 10;

  @TestFactory
  Stream<DynamicTest> limitsAreEnforcedInAVirtualMachine() throws IOException, InterruptedException {
    Path share = Files.createTempDirectory("sandboxd-vm-");
    Path results = share.resolve("results");
    // The forked test JVM's own classpath (target/test-classes and the jars in ~/.m2) is on the
    // host's root file system, which the guest sees at the same paths.
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = List.of(
        Node.REPO.resolve("hack/vm").toString(), "run", "--share", share.toString(), "--",
        "java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dsandboxd.repo=" + Node.REPO,
        "-cp", classpath, VmGuestChecks.class.getName(), "/run/vm-share/results");
    Process vm = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(share.resolve("console.log").toFile()).start();
    if (!vm.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      vm.destroyForcibly();
    }
    List<DynamicTest> tests = new ArrayList<>();
    List<String> lines = Files.exists(results) ? Files.readAllLines(results, StandardCharsets.UTF_8) : List.of();
    String where = "\n(console and guest output in " + share + ")";
    for (String line : lines) {
      String[] parts = line.split(" ", 3);
      boolean passed = parts[0].equals("PASS");
      String rest = parts[2];
      int why = rest.indexOf(" :: ");
      String name = why < 0 ? rest : rest.substring(0, why);
      String message = why < 0 ? "" : rest.substring(why + 4);
      tests.add(DynamicTest.dynamicTest(name + " (" + parts[1] + " s)", () -> {
        if (!passed) {
          fail(message + where);
        }
      }));
    }
    if (!lines.isEmpty() && lines.stream().allMatch(l -> l.startsWith("PASS "))) {
      deleteTree(share);
    }
    if (tests.isEmpty()) {
      fail("the VM produced no results (exit " + (vm.isAlive() ? "timeout" : vm.exitValue()) + ")\nconsole:\n"
          + Node.tail(share.resolve("console.log")) + "\nguest output:\n" + Node.tail(share.resolve("output.log")) + where);
    }
    return tests.stream();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
