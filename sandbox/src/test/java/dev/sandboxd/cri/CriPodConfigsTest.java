package dev.sandboxd.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import runtime.v1.Api.ContainerConfig;
import runtime.v1.Api.NamespaceMode;
import runtime.v1.Api.PodSandboxConfig;
import runtime.v1.Api.SecurityProfile;

class CriPodConfigsTest {
  private static final Path ROOT = Path.of("/run/node/cri-pods");

  private static Pod parse(String yaml) {
    return new PodManifests(() -> "uid-1").parse(yaml, false).pod();
  }

  private static CriPodPlan plan(String yaml) {
    Pod pod = parse(yaml);
    return CriPodConfigs.plan(pod, CriPodFiles.of(ROOT, pod.metadata()), "/node/");
  }

  @Test
  void theSeedsCounterPodBecomesASandboxAndTwoContainersAsKubeletSendsThem() throws Exception {
    Pod pod = parse(Files.readString(Path.of("../e2e/examples/counter.yaml")));
    CriPodPlan plan = CriPodConfigs.plan(pod, CriPodFiles.of(ROOT, pod.metadata()), "/node");

    PodSandboxConfig sandbox = plan.sandbox();
    assertEquals("counter", sandbox.getMetadata().getName());
    assertEquals("default", sandbox.getMetadata().getNamespace());
    assertEquals("uid-1", sandbox.getMetadata().getUid());
    assertEquals("counter", sandbox.getHostname());
    assertEquals("/run/node/cri-pods/default_counter_uid-1/logs", sandbox.getLogDirectory());
    assertEquals("/node/poduid-1", sandbox.getLinux().getCgroupParent());
    assertEquals(Map.of(CriPodConfigs.POD_NAME_LABEL, "counter", CriPodConfigs.POD_NAMESPACE_LABEL, "default",
        CriPodConfigs.POD_UID_LABEL, "uid-1"), sandbox.getLabelsMap());
    var ns = sandbox.getLinux().getSecurityContext().getNamespaceOptions();
    assertEquals(NamespaceMode.POD, ns.getNetwork());
    assertEquals(NamespaceMode.POD, ns.getIpc());
    assertEquals(NamespaceMode.CONTAINER, ns.getPid());

    assertTrue(plan.initContainers().isEmpty());
    assertEquals(List.of("count", "count-log"), plan.containers().stream().map(c -> c.getMetadata().getName()).toList());
    ContainerConfig count = plan.containers().get(0);
    assertEquals("localhost/sandboxd/busybox:1.35", count.getImage().getImage());
    assertTrue(count.getCommandList().isEmpty());
    assertEquals(List.of("/bin/sh", "-c"), count.getArgsList().subList(0, 2));
    assertEquals("count/0.log", count.getLogPath());
    assertEquals("count", count.getLabelsOrThrow(CriPodConfigs.CONTAINER_NAME_LABEL));
    assertEquals(1, count.getMountsCount());
    assertEquals("/var/log/counter", count.getMounts(0).getHostPath());
    assertEquals("/var/log", count.getMounts(0).getContainerPath());
    assertFalse(count.getMounts(0).getReadonly());
    assertEquals("/opt/log", plan.containers().get(1).getMounts(0).getContainerPath());
    // no restarts in this path, and the tool says so
    assertTrue(plan.warnings().stream().anyMatch(w -> w.contains("restartPolicy Always")), plan.warnings()::toString);
  }

  @Test
  void securityResourcesEnvAndEmptyDirsMapAsKubeletMapsThem() {
    CriPodPlan plan = plan("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: team, labels: {app: web}, annotations: {note: hi}}
        spec:
          hostname: www
          shareProcessNamespace: true
          securityContext: {runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], seccompProfile: {type: Unconfined}}
          volumes:
          - {name: scratch, emptyDir: {}}
          initContainers:
          - {name: setup, image: busybox, command: ["true"]}
          containers:
          - name: app
            image: busybox
            command: [httpd]
            args: [-f]
            workingDir: /srv
            env: [{name: MODE, value: prod}]
            volumeMounts: [{name: scratch, mountPath: /scratch, readOnly: true}]
            securityContext:
              runAsUser: 2000
              readOnlyRootFilesystem: true
              allowPrivilegeEscalation: false
              capabilities: {add: [NET_ADMIN], drop: [ALL]}
              seccompProfile: {type: RuntimeDefault}
            resources:
              requests: {cpu: 250m, memory: 64Mi}
              limits: {cpu: 500m, memory: 128Mi}
        """);
    PodSandboxConfig sandbox = plan.sandbox();
    assertEquals("www", sandbox.getHostname());
    assertEquals("web", sandbox.getLabelsOrThrow("app"));
    assertEquals("hi", sandbox.getAnnotationsOrThrow("note"));
    var podSecurity = sandbox.getLinux().getSecurityContext();
    assertEquals(1000, podSecurity.getRunAsUser().getValue());
    assertEquals(3000, podSecurity.getRunAsGroup().getValue());
    assertEquals(List.of(4000L), podSecurity.getSupplementalGroupsList());
    assertEquals(SecurityProfile.ProfileType.Unconfined, podSecurity.getSeccomp().getProfileType());
    assertEquals(NamespaceMode.POD, podSecurity.getNamespaceOptions().getPid());

    assertEquals(List.of("setup"), plan.initContainers().stream().map(c -> c.getMetadata().getName()).toList());
    ContainerConfig app = plan.containers().get(0);
    assertEquals(List.of("httpd"), app.getCommandList());
    assertEquals(List.of("-f"), app.getArgsList());
    assertEquals("/srv", app.getWorkingDir());
    assertEquals("MODE", app.getEnvs(0).getKey());
    assertEquals("prod", app.getEnvs(0).getValue().toStringUtf8());
    assertEquals("/run/node/cri-pods/team_web_uid-1/volumes/scratch", app.getMounts(0).getHostPath());
    assertTrue(app.getMounts(0).getReadonly());
    var security = app.getLinux().getSecurityContext();
    assertEquals(2000, security.getRunAsUser().getValue());
    assertEquals(3000, security.getRunAsGroup().getValue());
    assertTrue(security.getReadonlyRootfs());
    assertTrue(security.getNoNewPrivs());
    assertEquals(List.of("NET_ADMIN"), security.getCapabilities().getAddCapabilitiesList());
    assertEquals(List.of("ALL"), security.getCapabilities().getDropCapabilitiesList());
    assertEquals(SecurityProfile.ProfileType.RuntimeDefault, security.getSeccomp().getProfileType());
    var resources = app.getLinux().getResources();
    assertEquals(256, resources.getCpuShares());
    assertEquals(100_000, resources.getCpuPeriod());
    assertEquals(50_000, resources.getCpuQuota());
    assertEquals(128L << 20, resources.getMemoryLimitInBytes());
    // the init container inherits the pod's seccomp profile, and has no CPU limit
    var setup = plan.initContainers().get(0).getLinux();
    assertEquals(SecurityProfile.ProfileType.Unconfined, setup.getSecurityContext().getSeccomp().getProfileType());
    assertEquals(2, setup.getResources().getCpuShares());
    assertEquals(0, setup.getResources().getCpuQuota());
    assertFalse(setup.getSecurityContext().getNoNewPrivs());
  }

  @Test
  void probesHooksAndSidecarsAreWarnedAboutNotDropped() {
    CriPodPlan plan = plan("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          restartPolicy: Never
          initContainers:
          - {name: side, image: busybox, restartPolicy: Always}
          containers:
          - name: app
            image: busybox
            livenessProbe: {exec: {command: ["true"]}}
            lifecycle: {preStop: {exec: {command: ["true"]}}}
            securityContext: {runAsNonRoot: true}
        """);
    String warnings = String.join("\n", plan.warnings());
    assertTrue(warnings.contains("container app: probes"), warnings);
    assertTrue(warnings.contains("container app: the preStop hook"), warnings);
    assertTrue(warnings.contains("init container side: restartPolicy Always"), warnings);
    assertTrue(warnings.contains("container app: runAsNonRoot"), warnings);
    assertTrue(warnings.contains("restartPolicy Never"), warnings);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      subPath             | volumes: [{name: v, emptyDir: {}}]                    | volumeMounts: [{name: v, mountPath: /v, subPath: a}]     | spec.containers[0].volumeMounts[0].subPath
      memory emptyDir     | volumes: [{name: v, emptyDir: {medium: Memory}}]      | volumeMounts: [{name: v, mountPath: /v}]                 | spec.volumes[0].emptyDir
      Localhost seccomp   | volumes: []                                           | securityContext: {seccompProfile: {type: Localhost, localhostProfile: a.json}} | spec.containers[0].securityContext.seccompProfile
      """)
  void whatCriCannotBeGivenSafelyIsRefusedNamingTheField(String name, String volumes, String containerField, String field) {
    var e = assertThrows(SandboxdException.InvalidArgument.class, () -> plan("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          %s
          containers:
          - name: c
            image: busybox
            %s
        """.formatted(volumes, containerField)));
    assertTrue(e.getMessage().startsWith(field + ":"), e.getMessage());
  }
}
