package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.InspectPodRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Probes on real pods: an exec liveness probe restarts its container, an httpGet readiness probe sets `ready`. */
class ProbesE2E {
  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("probes");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aFailingExecLivenessProbeRestartsTheContainer() throws Exception {
    Instant started = Instant.now();
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: liveness-exec}
        spec:
          # sh as PID 1 ignores SIGTERM: the kill comes when this grace period is up, as with kubelet.
          terminationGracePeriodSeconds: 2
          containers:
          - name: app
            image: %s
            command: [sh, -c, 'touch /tmp/healthy; sleep 3; rm -f /tmp/healthy; sleep 3600']
            livenessProbe:
              exec: {command: [cat, /tmp/healthy]}
              initialDelaySeconds: 1
              periodSeconds: 1
              failureThreshold: 1
        """.formatted(Node.BUSYBOX));
    try {
      // Healthy for 3 s, then the first failed probe (failureThreshold 1) kills it.
      awaitContainer("liveness-exec", Duration.ofSeconds(15), c -> c.getRestartCount() >= 1);
      Duration untilRestart = Duration.between(started, Instant.now());
      assertTrue(untilRestart.compareTo(Duration.ofSeconds(3)) >= 0, "restarted while still healthy, after " + untilRestart);
    } finally {
      node.removeForce("liveness-exec");
    }
  }

  @Test
  void anHttpGetReadinessProbeMakesTheContainerReadyAndUnreadyAgain() throws Exception {
    // httpd needs its directory at start; the page it serves comes later, by exec.
    node.run("""
        apiVersion: v1
        kind: Pod
        metadata: {name: readiness-http}
        spec:
          containers:
          - name: web
            image: %s
            command: [sh, -c, 'mkdir -p /www && exec httpd -f -p 8080 -h /www']
            readinessProbe:
              httpGet: {path: /index.html, port: 8080}
              periodSeconds: 1
        """.formatted(Node.BUSYBOX));
    try {
      assertFalse(container("readiness-http").getReady(), "no page yet: not ready");
      assertEquals(0, node.exec("readiness-http", "web", "sh", "-c", "mkdir -p /www && echo ok > /www/index.html").getExitCode());
      awaitContainer("readiness-http", Duration.ofSeconds(10), ContainerStatus::getReady);
      assertEquals(0, node.exec("readiness-http", "web", "rm", "/www/index.html").getExitCode());
      awaitContainer("readiness-http", Duration.ofSeconds(10), c -> !c.getReady());
    } finally {
      node.removeForce("readiness-http");
    }
  }


  private static ContainerStatus container(String pod) {
    return node.pods().inspectPod(InspectPodRequest.newBuilder().setPod(Node.ref(pod)).build())
        .getPod().getStatus().getContainerStatuses(0);
  }

  private static ContainerStatus awaitContainer(String pod, Duration within, Predicate<ContainerStatus> condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(within);
    ContainerStatus status = container(pod);
    while (!condition.test(status)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("within " + within.toSeconds() + " s, " + pod + "'s container did not get there: " + status);
      }
      Thread.sleep(200);
      status = container(pod);
    }
    return status;
  }



}
