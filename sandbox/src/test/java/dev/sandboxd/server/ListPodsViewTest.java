package dev.sandboxd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodView;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.cgroup.QosClass;
import dev.sandboxd.lifecycle.PodPhase;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.lifecycle.SandboxStatus;
import dev.sandboxd.lifecycle.UnsupportedPodLifecycle;
import dev.sandboxd.pod.PodManifests;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ListPods' views: the summary is the full pod less its spec, labels and annotations. */
class ListPodsViewTest {
  private Server server;
  private ManagedChannel channel;
  private PodsGrpc.PodsBlockingStub pods;

  @BeforeEach
  void start() throws IOException {
    PodStatus web = new PodStatus(PodManifests.withRandomUids().parse("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels: {app: web}
          annotations: {owner: ops}
        spec:
          containers: [{name: app, image: busybox}]
        """, false).pod(), Instant.EPOCH, PodPhase.Running,
        new SandboxStatus("sb", SandboxStatus.State.Ready, 4242, "/sandboxd/web", "", Instant.EPOCH),
        List.of(), List.of(), QosClass.BestEffort, false, List.of(), List.of("10.89.0.2"), "127.0.0.1");
    PodsService service = new PodsService(new UnsupportedPodLifecycle() {
      @Override
      public List<PodStatus> list() {
        return List.of(web);
      }
    }, (pid, port) -> { throw new UnsupportedOperationException("port-forward"); }, Optional::empty, Executors.newCachedThreadPool());
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    pods = PodsGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void theSummaryLeavesOutSpecLabelsAndAnnotationsAndNothingElse() {
    Pod full = pods.listPods(ListPodsRequest.getDefaultInstance()).getPods(0);
    Pod summary = pods.listPods(ListPodsRequest.newBuilder().setView(PodView.POD_VIEW_SUMMARY).build()).getPods(0);

    assertTrue(full.hasSpec(), "the default view is the whole pod");
    assertEquals("web", full.getMetadata().getLabelsOrThrow("app"));
    assertEquals("ops", full.getMetadata().getAnnotationsOrThrow("owner"));
    assertFalse(summary.hasSpec());
    assertEquals(0, summary.getMetadata().getLabelsCount());
    assertEquals(0, summary.getMetadata().getAnnotationsCount());
    Pod fullLessThose = full.toBuilder().clearSpec()
        .setMetadata(full.getMetadata().toBuilder().clearLabels().clearAnnotations()).build();
    assertEquals(fullLessThose, summary);
    assertEquals("10.89.0.2", summary.getStatus().getPodIp());
  }
}
