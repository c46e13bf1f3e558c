package dev.sandboxd.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.container.LocalhostSeccomp;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.spec.OciSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SeccompProfileRootTest {

  private static final String FIELD = "spec.containers[0].securityContext.seccompProfile.localhostProfile";

  @TempDir Path dir;

  private static Pod pod(String containerSc) {
    return new PodManifests(() -> "uid").parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: {seccompProfile: {type: Localhost, localhostProfile: pod.json}}
          containers:
          - {name: app, image: busybox, securityContext: %s}
        """.formatted(containerSc), false).pod();
  }

  private Optional<OciSpec.Seccomp> load(String containerSc) {
    Pod pod = pod(containerSc);
    return LocalhostSeccomp.forContainer(new SeccompProfileRoot(Optional.of(dir.resolve("root"))), pod, pod.spec().containers().get(0));
  }

  private void write(String relative, String json) throws Exception {
    Path file = dir.resolve("root").resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, json);
  }

  @Test
  void readsAnOciSeccompProfile() throws Exception {
    write("profiles/audit.json", """
        {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"],
         "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}
        """);
    OciSpec.Seccomp s = load("{seccompProfile: {type: Localhost, localhostProfile: profiles/audit.json}}").orElseThrow();
    assertEquals("SCMP_ACT_ERRNO", s.defaultAction());
    assertEquals(1, s.defaultErrnoRet());
    assertEquals(List.of("read", "write"), s.syscalls().get(0).names());
    assertEquals(new OciSpec.SyscallArg(0, 8, 0, "SCMP_CMP_EQ"), s.syscalls().get(1).args().get(0));
  }

  @Test
  void thePodLevelProfileServesContainersWithoutOneAndIsNamedAsThePodsField() throws Exception {
    SandboxdException e = assertThrows(SandboxdException.class, () -> load("{}"));
    assertTrue(e.getMessage().startsWith("spec.securityContext.seccompProfile.localhostProfile: no profile"), e.getMessage());
    write("pod.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    assertEquals("SCMP_ACT_ALLOW", load("{}").orElseThrow().defaultAction());
  }

  @Test
  void otherProfilesAndPrivilegedNeedNoFile() {
    assertEquals(Optional.empty(), load("{seccompProfile: {type: RuntimeDefault}}"));
    assertEquals(Optional.empty(), load("{privileged: true}"));
  }

  @Test
  void aSymbolicLinkOutOfTheRootIsRefused() throws Exception {
    Files.createDirectories(dir.resolve("root"));
    Files.writeString(dir.resolve("outside.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    Files.createSymbolicLink(dir.resolve("root/escape.json"), dir.resolve("outside.json"));
    SandboxdException e = assertThrows(SandboxdException.class,
        () -> load("{seccompProfile: {type: Localhost, localhostProfile: escape.json}}"));
    assertInstanceOf(SandboxdException.InvalidArgument.class, e);
    assertTrue(e.getMessage().startsWith(FIELD + ": \"escape.json\" leads out of"), e.getMessage());
  }

  @Test
  void traversalIsRefusedEvenIfThePathGotPastTheParser() {
    SeccompProfileRoot root = new SeccompProfileRoot(Optional.of(dir));
    SandboxdException e = assertThrows(SandboxdException.class, () -> root.load(FIELD, "../x.json"));
    assertTrue(e.getMessage().startsWith(FIELD + ": \"../x.json\" is not below"), e.getMessage());
  }

  @Test
  @Timeout(10) // read as a profile, the FIFO would block for ever
  void onlyARegularFileIsReadAsAProfile() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(root.resolve("dir.json"));
    Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("fifo.json").toString()).start();
    assertEquals(0, mkfifo.waitFor());
    for (String file : List.of("dir.json", "fifo.json")) {
      SandboxdException e = assertThrows(SandboxdException.class, () -> new SeccompProfileRoot(Optional.of(root)).load(FIELD, file));
      assertInstanceOf(SandboxdException.InvalidArgument.class, e, file);
      assertTrue(e.getMessage().endsWith(file + " is not a regular file"), e.getMessage());
    }
  }

  @Test
  void anAbsolutePathIsTakenBelowTheRootOnly() throws Exception {
    write("audit.json", "{\"defaultAction\": \"SCMP_ACT_LOG\"}");
    Files.writeString(dir.resolve("outside.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    SeccompProfileRoot root = new SeccompProfileRoot(Optional.of(dir.resolve("root")));

    assertEquals("SCMP_ACT_LOG", root.load(FIELD, dir.resolve("root/audit.json").toString()).defaultAction());
    SandboxdException e = assertThrows(SandboxdException.class, () -> root.load(FIELD, dir.resolve("outside.json").toString()));
    assertInstanceOf(SandboxdException.InvalidArgument.class, e);
  }

  @Test
  void missingFileIsAFailedPreconditionNamingTheField() {
    SandboxdException e = assertThrows(SandboxdException.class,
        () -> load("{seccompProfile: {type: Localhost, localhostProfile: none.json}}"));
    assertInstanceOf(SandboxdException.FailedPrecondition.class, e);
    assertTrue(e.getMessage().startsWith(FIELD + ": no profile"), e.getMessage());
  }

  @Test
  void unknownFieldsAndBrokenJsonAreInvalid() throws Exception {
    write("moby.json", "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": []}");
    write("broken.json", "{\"defaultAction\": ");
    write("empty.json", "{}");
    for (String file : List.of("moby.json", "broken.json", "empty.json")) {
      SandboxdException e = assertThrows(SandboxdException.class,
          () -> load("{seccompProfile: {type: Localhost, localhostProfile: " + file + "}}"));
      assertInstanceOf(SandboxdException.InvalidArgument.class, e, file);
      assertTrue(e.getMessage().startsWith(FIELD + ": "), e.getMessage());
    }
  }

  @Test
  void withoutARootLocalhostIsRefused() {
    Pod pod = pod("{}");
    SandboxdException e = assertThrows(SandboxdException.class,
        () -> LocalhostSeccomp.forContainer(new SeccompProfileRoot(Optional.empty()), pod, pod.spec().containers().get(0)));
    assertInstanceOf(SandboxdException.FailedPrecondition.class, e);
    assertTrue(e.getMessage().contains("--seccomp-profile-root"), e.getMessage());
  }
}
