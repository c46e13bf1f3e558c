package dev.sandboxd.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Probes, preStop hooks and native sidecars in manifests. */
class SupervisionFieldsTest {
  private final PodManifests manifests = new PodManifests(() -> "uid-1");

  private Pod parse(String spec) {
    return manifests.parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + spec, false).pod();
  }

  @Test
  void probesGetKubernetesDefaultsAndNamedPortsResolve() {
    Pod pod = parse("""
          containers:
          - name: web
            image: busybox
            ports: [{name: http, containerPort: 8080}]
            livenessProbe: {exec: {command: [cat, /tmp/healthy]}}
            readinessProbe: {httpGet: {port: http, path: /ready, httpHeaders: [{name: X-A, value: b}]}, periodSeconds: 2, successThreshold: 2}
            startupProbe: {tcpSocket: {port: 8080}, failureThreshold: 30, initialDelaySeconds: 1}
            lifecycle: {preStop: {exec: {command: [sh, -c, 'echo bye']}}}
        """);
    Supervision s = pod.spec().containers().get(0).supervision();
    assertEquals(Optional.of(new Probe(new Probe.Exec(List.of("cat", "/tmp/healthy")), 0, 10, 1, 1, 3)), s.livenessProbe());
    assertEquals(Optional.of(new Probe(new Probe.HttpGet("HTTP", 8080, "/ready", Map.of("X-A", "b")), 0, 2, 1, 2, 3)), s.readinessProbe());
    assertEquals(Optional.of(new Probe(new Probe.TcpSocket(8080), 1, 10, 1, 1, 30)), s.startupProbe());
    assertEquals(List.of("sh", "-c", "echo bye"), s.preStopCommand());
    assertFalse(s.isSidecar());
  }

  @Test
  void anInitContainerWithRestartPolicyAlwaysIsASidecar() {
    Pod pod = parse("""
          initContainers:
          - {name: setup, image: busybox}
          - {name: proxy, image: busybox, restartPolicy: Always, readinessProbe: {tcpSocket: {port: 1}}}
          containers: [{name: app, image: busybox}]
        """);
    assertFalse(pod.spec().initContainers().get(0).supervision().isSidecar());
    assertTrue(pod.spec().initContainers().get(1).supervision().isSidecar());
    assertEquals(Supervision.NONE, pod.spec().containers().get(0).supervision());
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("restartPolicy on an app container", "containers: [{name: a, image: b, restartPolicy: Always}]", "spec.containers[0].restartPolicy"),
        Arguments.of("restartPolicy other than Always", "initContainers: [{name: i, image: b, restartPolicy: Never}]\n  containers: [{name: a, image: b}]", "spec.initContainers[0].restartPolicy"),
        Arguments.of("probe on a plain init container", "initContainers: [{name: i, image: b, livenessProbe: {exec: {command: [x]}}}]\n  containers: [{name: a, image: b}]", "spec.initContainers[0]"),
        Arguments.of("two actions", "containers: [{name: a, image: b, livenessProbe: {exec: {command: [x]}, tcpSocket: {port: 1}}}]", "spec.containers[0].livenessProbe: must have exactly one"),
        Arguments.of("no action", "containers: [{name: a, image: b, readinessProbe: {periodSeconds: 1}}]", "spec.containers[0].readinessProbe: must have exactly one"),
        Arguments.of("unknown named port", "containers: [{name: a, image: b, readinessProbe: {tcpSocket: {port: web}}}]", "spec.containers[0].readinessProbe.tcpSocket.port"),
        Arguments.of("port out of range", "containers: [{name: a, image: b, readinessProbe: {tcpSocket: {port: 70000}}}]", "spec.containers[0].readinessProbe.tcpSocket.port"),
        Arguments.of("liveness success threshold", "containers: [{name: a, image: b, livenessProbe: {exec: {command: [x]}, successThreshold: 2}}]", "spec.containers[0].livenessProbe.successThreshold"),
        Arguments.of("zero period", "containers: [{name: a, image: b, livenessProbe: {exec: {command: [x]}, periodSeconds: 0}}]", "spec.containers[0].livenessProbe.periodSeconds"),
        Arguments.of("empty exec", "containers: [{name: a, image: b, livenessProbe: {exec: {command: []}}}]", "spec.containers[0].livenessProbe.exec.command"),
        Arguments.of("preStop without exec", "containers: [{name: a, image: b, lifecycle: {preStop: {}}}]", "spec.containers[0].lifecycle.preStop.exec"),
        Arguments.of("http path with a space", "containers: [{name: a, image: b, readinessProbe: {httpGet: {port: 1, path: '/a b'}}}]", "spec.containers[0].readinessProbe.httpGet.path"),
        Arguments.of("http header name", "containers: [{name: a, image: b, readinessProbe: {httpGet: {port: 1, httpHeaders: [{name: 'X: y', value: z}]}}}]", "spec.containers[0].readinessProbe.httpGet.httpHeaders[0].name"),
        Arguments.of("http header value", "containers: [{name: a, image: b, readinessProbe: {httpGet: {port: 1, httpHeaders: [{name: X, value: \"a\\r\\nB: c\"}]}}}]", "spec.containers[0].readinessProbe.httpGet.httpHeaders[0].value"),
        Arguments.of("relative http path", "containers: [{name: a, image: b, readinessProbe: {httpGet: {port: 1, path: x}}}]", "spec.containers[0].readinessProbe.httpGet.path"),
        Arguments.of("grpc probe", "containers: [{name: a, image: b, readinessProbe: {grpc: {port: 1}}}]", "spec.containers[0].readinessProbe.grpc"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void badSupervisionFieldsAreRefusedNamingTheField(String name, String spec, String field) {
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class, () -> parse("  " + spec + "\n"));
    assertTrue(e.getMessage().contains(field), e.getMessage());
  }
}
