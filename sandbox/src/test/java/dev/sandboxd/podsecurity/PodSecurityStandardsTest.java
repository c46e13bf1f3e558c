package dev.sandboxd.podsecurity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.ForwardingPodLifecycle;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodSecurityStandardsTest {

  private static final PodManifests MANIFESTS = new PodManifests(() -> "uid");

  /** A pod that passes restricted; each case below changes one thing. */
  private static final String RESTRICTED_POD = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
        volumes: [{name: scratch, emptyDir: {}}]
        containers:
        - name: app
          image: busybox
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}
      """;

  private static Pod pod(String yaml) {
    return MANIFESTS.parse(yaml, false).pod();
  }

  private static String withContainerSc(String sc) {
    return RESTRICTED_POD.replace("{allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}", sc);
  }

  private static String withPodSc(String sc) {
    return RESTRICTED_POD.replace("{runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}", sc);
  }

  private static final String APE = "allowPrivilegeEscalation: false";
  private static final String DROP = "capabilities: {drop: [ALL]}";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("restricted pod", "restricted", RESTRICTED_POD, List.of()),
        Arguments.of("restricted pod at baseline", "baseline", RESTRICTED_POD, List.of()),
        Arguments.of("anything at privileged", "privileged", withContainerSc("{privileged: true}"), List.of()),
        // baseline
        Arguments.of("privileged", "baseline", withContainerSc("{privileged: true}"),
            List.of("privileged (container \"app\" must not set securityContext.privileged=true)")),
        Arguments.of("extra capability", "baseline", withContainerSc("{capabilities: {add: [NET_RAW, SYS_ADMIN, CHOWN]}}"),
            List.of("non-default capabilities (container \"app\" must not include \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.add)")),
        Arguments.of("default capability added", "baseline", withContainerSc("{capabilities: {add: [KILL, SETUID]}}"), List.of()),
        Arguments.of("hostPath", "baseline",
            RESTRICTED_POD.replace("[{name: scratch, emptyDir: {}}]", "[{name: h, hostPath: {path: /tmp}}, {name: i, hostPath: {path: /var}}]"),
            List.of("hostPath volumes (volumes \"h\", \"i\")")),
        Arguments.of("hostNetwork and hostPorts", "baseline",
            RESTRICTED_POD.replace("spec:\n", "spec:\n  hostNetwork: true\n").replace("image: busybox\n",
                "image: busybox\n    ports: [{containerPort: 80, hostPort: 80}, {containerPort: 443, hostPort: 443}]\n"),
            List.of("host namespaces (hostNetwork=true)", "hostPort (container \"app\" uses hostPorts 80, 443)")),
        Arguments.of("a containerPort alone is fine", "restricted",
            RESTRICTED_POD.replace("image: busybox\n", "image: busybox\n    ports: [{containerPort: 80}]\n"), List.of()),
        Arguments.of("unconfined at pod level", "baseline", withPodSc("{seccompProfile: {type: Unconfined}}"),
            List.of("seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")")),
        Arguments.of("unconfined container", "baseline", withContainerSc("{seccompProfile: {type: Unconfined}}"),
            List.of("seccompProfile (container \"app\" must not set securityContext.seccompProfile.type to \"Unconfined\")")),
        Arguments.of("baseline ignores restricted-only rules", "baseline", withPodSc("{runAsUser: 0}").replace(
            "{allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}", "{}"), List.of()),
        // restricted
        Arguments.of("escalation allowed", "restricted", withContainerSc("{" + DROP + "}"),
            List.of("allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false)")),
        Arguments.of("capabilities not dropped, extra added", "restricted",
            withContainerSc("{" + APE + ", capabilities: {add: [CHOWN, NET_BIND_SERVICE]}}"),
            List.of("unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]; "
                + "container \"app\" must not include \"CHOWN\" in securityContext.capabilities.add)")),
        Arguments.of("hostPath at restricted", "restricted",
            RESTRICTED_POD.replace("[{name: scratch, emptyDir: {}}]", "[{name: h, hostPath: {path: /tmp}}]"),
            List.of("restricted volume types (volume \"h\" uses restricted volume type \"hostPath\")")),
        Arguments.of("runAsNonRoot unset", "restricted", withPodSc("{seccompProfile: {type: RuntimeDefault}}"),
            List.of("runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)")),
        Arguments.of("runAsNonRoot false", "restricted", withContainerSc("{" + APE + ", " + DROP + ", runAsNonRoot: false}"),
            List.of("runAsNonRoot != true (container \"app\" must not set securityContext.runAsNonRoot=false)")),
        Arguments.of("runAsNonRoot at container level", "restricted",
            withPodSc("{seccompProfile: {type: RuntimeDefault}}").replace("drop: [ALL], add: [NET_BIND_SERVICE]}", "drop: [ALL]}, runAsNonRoot: true"),
            List.of()),
        Arguments.of("runAsUser 0", "restricted", withPodSc("{runAsNonRoot: true, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}"),
            List.of("runAsUser=0 (pod must not set runAsUser=0)")),
        Arguments.of("seccomp unset", "restricted", withPodSc("{runAsNonRoot: true}"),
            List.of("seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")")),
        Arguments.of("seccomp Localhost at container level", "restricted",
            withPodSc("{runAsNonRoot: true}").replace("drop: [ALL], add: [NET_BIND_SERVICE]}", "drop: [ALL]}, seccompProfile: {type: Localhost, localhostProfile: a.json}"),
            List.of()),
        Arguments.of("privileged pod at restricted names every rule", "restricted", """
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              volumes: [{name: h, hostPath: {path: /tmp}}]
              initContainers:
              - {name: init, image: busybox, securityContext: {runAsUser: 0}}
              containers:
              - {name: app, image: busybox, securityContext: {privileged: true, seccompProfile: {type: Unconfined}, capabilities: {add: [SYS_ADMIN]}}}
            """,
            List.of(
                "allowPrivilegeEscalation != false (containers \"init\", \"app\" must set securityContext.allowPrivilegeEscalation=false)",
                "unrestricted capabilities (containers \"init\", \"app\" must set securityContext.capabilities.drop=[\"ALL\"]; "
                    + "container \"app\" must not include \"SYS_ADMIN\" in securityContext.capabilities.add)",
                "privileged (container \"app\" must not set securityContext.privileged=true)",
                "restricted volume types (volume \"h\" uses restricted volume type \"hostPath\")",
                "runAsNonRoot != true (pod or containers \"init\", \"app\" must set securityContext.runAsNonRoot=true)",
                "runAsUser=0 (container \"init\" must not set runAsUser=0)",
                "seccompProfile (container \"app\" must not set securityContext.seccompProfile.type to \"Unconfined\")")));
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("cases")
  void violations(String name, String level, String yaml, List<String> expected) {
    List<String> got = PodSecurityStandards.check(pod(yaml), PodSecurityLevel.valueOf(level)).stream()
        .map(PodSecurityStandards.Violation::toString).toList();
    assertEquals(expected, got);
  }

  @Test
  void messageIsKubernetesFormat() {
    String message = PodSecurityStandards.message(PodSecurityLevel.restricted, List.of(
        new PodSecurityStandards.Violation("a", "b"), new PodSecurityStandards.Violation("c", "d")));
    assertEquals("violates PodSecurity \"restricted:latest\": a (b), c (d)", message);
  }

  /** A PodLifecycle that counts runs and fails every other call (the decorator must not reach them). */
  private static PodLifecycle counting(AtomicInteger runs) {
    PodLifecycle other = (PodLifecycle) Proxy.newProxyInstance(PodLifecycle.class.getClassLoader(),
        new Class<?>[] {PodLifecycle.class}, (proxy, method, args) -> {
          throw new AssertionError("unexpected " + method.getName());
        });
    return new ForwardingPodLifecycle(other) {
      @Override
      public RunResult run(String manifest, boolean lenient) {
        runs.incrementAndGet();
        return null;
      }
    };
  }

  @Test
  void admissionRefusesBeforeRunningAndNamesEveryRule() {
    AtomicInteger runs = new AtomicInteger();
    PodLifecycle admitted = PodSecurityAdmission.enforcing(counting(runs), MANIFESTS, PodSecurityLevel.restricted, "--pod-security");
    SandboxdException e = assertThrows(SandboxdException.class, () -> admitted.run(withContainerSc("{privileged: true}"), false));
    assertInstanceOf(SandboxdException.InvalidArgument.class, e);
    assertTrue(e.getMessage().startsWith("pod default/p violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false ("),
        e.getMessage());
    assertTrue(e.getMessage().contains("privileged (container \"app\" must not set securityContext.privileged=true)"), e.getMessage());
    assertTrue(e.getMessage().endsWith("(this node enforces --pod-security=restricted)"), e.getMessage());
    assertEquals(0, runs.get());
    admitted.run(RESTRICTED_POD, false);
    assertEquals(1, runs.get());
  }

  @Test
  void privilegedLevelAddsNoDecorator() {
    PodLifecycle pods = counting(new AtomicInteger());
    assertEquals(pods, PodSecurityAdmission.enforcing(pods, MANIFESTS, PodSecurityLevel.privileged, "--pod-security"));
  }
}
