package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.cli.Sandboxctl;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seccomp by default (RuntimeDefault refuses unshare with EPERM, Unconfined allows it), Pod
 * Security Standards at the node (restricted refuses a privileged pod naming every rule, through
 * the daemon and through sandboxctl, creating nothing), and the audit line of a call.
 */
class SecurityPolicyE2E {
  private static Node node;
  private static Node restricted;

  @BeforeAll
  static void startNodes() throws Exception {
    node = Node.start("secpol");
    restricted = Node.start("secpol-restricted", "--pod-security", "restricted");
  }

  @AfterAll
  static void stopNodes() throws Exception {
    if (node != null) {
      node.close();
    }
    if (restricted != null) {
      restricted.close();
    }
  }

  private static String sleeper(String name, String podSecurityContext, String containerSecurityContext) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          terminationGracePeriodSeconds: 0
          securityContext: %s
          containers:
          - name: app
            image: %s
            command: [sleep, '3600']
            securityContext: %s
        """.formatted(name, podSecurityContext, Node.BUSYBOX, containerSecurityContext);
  }

  private static void runAndWait(String name, String manifest) throws InterruptedException {
    node.run(manifest);
    node.waitFor(name, p -> p.getStatus().getPhase().equals("Running"));
  }

  @Test
  void runtimeDefaultRefusesUnshareWithEpermAndUnconfinedAllowsIt() throws Exception {
    runAndWait("confined", sleeper("confined", "{}", "{}"));
    ExecResponse status = node.exec("confined", "app", "grep", "Seccomp:", "/proc/self/status");
    assertEquals("Seccomp:\t2", status.getStdout().toStringUtf8().trim(), "a seccomp filter is in force");
    ExecResponse refused = node.exec("confined", "app", "unshare", "-U", "true");
    assertNotEquals(0, refused.getExitCode(), refused.getStderr().toStringUtf8());
    assertTrue(refused.getStderr().toStringUtf8().contains("Operation not permitted"), refused.getStderr().toStringUtf8());

    // The pod's Unconfined, then the container's RuntimeDefault over it.
    runAndWait("unconfined", sleeper("unconfined", "{seccompProfile: {type: Unconfined}}", "{}"));
    assertEquals("Seccomp:\t0", node.exec("unconfined", "app", "grep", "Seccomp:", "/proc/self/status")
        .getStdout().toStringUtf8().trim());
    ExecResponse allowed = node.exec("unconfined", "app", "unshare", "-U", "true");
    assertEquals(0, allowed.getExitCode(), allowed.getStderr().toStringUtf8());

    runAndWait("container-wins", sleeper("container-wins", "{seccompProfile: {type: Unconfined}}",
        "{seccompProfile: {type: RuntimeDefault}}"));
    assertNotEquals(0, node.exec("container-wins", "app", "unshare", "-U", "true").getExitCode());

    for (String pod : List.of("confined", "unconfined", "container-wins")) {
      node.removeForce(pod);
    }
  }

  @Test
  void thePauseProcessRunsUnderASeccompFilterToo() throws Exception {
    runAndWait("pausecheck", sleeper("pausecheck", "{}", "{}"));
    long pausePid = node.inspect("pausecheck").getStatus().getSandbox().getPid();
    String status = Files.readString(Path.of("/proc/" + pausePid + "/status"));
    assertTrue(status.contains("Seccomp:\t2"), status);
    node.removeForce("pausecheck");
  }

  @Test
  void anAuditLineNamesTheCallersUidAndPid() throws Exception {
    runAndWait("audited", sleeper("audited", "{}", "{}"));
    node.removeForce("audited");
    String log = Files.readString(node.dir.resolve("sandboxd.log"));
    long pid = ProcessHandle.current().pid();
    assertTrue(log.contains("audit: uid=0 gid=0 pid=" + pid + " RunPod pod=default/audited -> OK"), node.sandboxdLog());
    assertTrue(log.contains("audit: uid=0 gid=0 pid=" + pid + " RemovePod pod=audited -> OK"), node.sandboxdLog());
  }

  static final String PRIVILEGED_POD = """
      apiVersion: v1
      kind: Pod
      metadata: {name: priv}
      spec:
        volumes: [{name: host, hostPath: {path: /tmp}}]
        containers:
        - name: app
          image: %s
          command: [sleep, '3600']
          securityContext: {privileged: true, runAsUser: 0}
      """.formatted(Node.BUSYBOX);

  static final List<String> EVERY_RULE = List.of(
      "violates PodSecurity \"restricted:latest\": ",
      "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false)",
      "unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"])",
      "privileged (container \"app\" must not set securityContext.privileged=true)",
      "restricted volume types (volume \"host\" uses restricted volume type \"hostPath\")",
      "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)",
      "runAsUser=0 (container \"app\" must not set runAsUser=0)",
      "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");

  @Test
  void restrictedRefusesAPrivilegedPodNamingEveryRuleAndCreatesNothing() throws Exception {
    String containersBefore = restricted.ctr("containers", "list", "-q").stdout();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> restricted.run(PRIVILEGED_POD));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    for (String rule : EVERY_RULE) {
      assertTrue(e.getStatus().getDescription().contains(rule), "missing " + rule + " in " + e.getStatus().getDescription());
    }

    Path manifest = Files.createTempFile("priv", ".yaml");
    Files.writeString(manifest, PRIVILEGED_POD);
    StringWriter err = new StringWriter();
    int code = Sandboxctl.run(new String[] {"--address", restricted.sandboxdAddress(), "run", "-f", manifest.toString()},
        new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    Files.delete(manifest);
    assertEquals(2, code, err.toString());
    for (String rule : EVERY_RULE) {
      assertTrue(err.toString().contains(rule), "missing " + rule + " in " + err);
    }

    assertEquals(containersBefore, restricted.ctr("containers", "list", "-q").stdout(), "nothing was created in containerd");
    assertEquals(0, restricted.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsCount(), "no pod was recorded");
    try (Stream<Path> pods = Files.list(restricted.dir.resolve("sandboxd/state/pods"))) {
      assertEquals(0, pods.count(), "no state file was written");
    }
    assertTrue(Files.readString(restricted.dir.resolve("sandboxd.log"))
        .contains("RunPod - -> INVALID_ARGUMENT: pod default/priv violates PodSecurity"), restricted.sandboxdLog());
  }

  @Test
  void restrictedRunsAPodThatFollowsTheRules() throws Exception {
    restricted.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: good}
        spec:
          terminationGracePeriodSeconds: 0
          securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
          containers:
          - name: app
            image: %s
            command: [sleep, '3600']
            securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
        """.formatted(Node.BUSYBOX));
    restricted.waitFor("good", p -> p.getStatus().getPhase().equals("Running"));
    restricted.removeForce("good");
  }
}
