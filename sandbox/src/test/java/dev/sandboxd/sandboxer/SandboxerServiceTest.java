package dev.sandboxd.sandboxer;

import static dev.sandboxd.sandboxer.CriConfigs.NETNS;
import static dev.sandboxd.sandboxer.CriConfigs.config;
import static dev.sandboxd.sandboxer.CriConfigs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import containerd.services.sandbox.v1.ControllerGrpc;
import containerd.services.sandbox.v1.Sandbox.ControllerCreateRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerMetricsRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerPlatformRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerShutdownRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStartRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStartResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStatusRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStatusResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStopRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerWaitRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerWaitResponse;
import dev.sandboxd.cgroup.FakeCgroupFs;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxerServiceTest {
  @TempDir Path tmp;
  private final CompletableFuture<CriSandboxes> ready = new CompletableFuture<>();
  private Server server;
  private ManagedChannel channel;
  private CriSandboxes sandboxes;
  private FakeCgroupFs cgroupFs;

  @BeforeEach
  void serve() throws Exception {
    CriFixture node = new CriFixture(tmp);
    cgroupFs = node.cgroupFs;
    sandboxes = node.sandboxes();
    Clock clock = node.clock;
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new SandboxerService(ready, clock).definition()).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private ControllerGrpc.ControllerBlockingStub controller(String namespace) {
    Metadata headers = new Metadata();
    headers.put(SandboxerService.NAMESPACE_HEADER, namespace);
    return ControllerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private void createAndStart(ControllerGrpc.ControllerBlockingStub c) {
    c.create(ControllerCreateRequest.newBuilder().setSandboxId("sb1").setNetnsPath(NETNS)
        .setOptions(options(config("web").build())).build());
    ControllerStartResponse started = c.start(ControllerStartRequest.newBuilder().setSandboxId("sb1").build());
    assertTrue(started.getPid() > 0);
    assertEquals(CriFixture.NOW.getEpochSecond(), started.getCreatedAt().getSeconds());
  }

  @Test
  void statusAnswersCrisStateStringsAndInfoJson() {
    ready.complete(sandboxes);
    ControllerGrpc.ControllerBlockingStub c = controller("k8s.io");
    createAndStart(c);

    ControllerStatusResponse status = c.status(ControllerStatusRequest.newBuilder().setSandboxId("sb1").setVerbose(true).build());
    assertEquals("SANDBOX_READY", status.getState());
    assertTrue(status.getInfoOrThrow("info").startsWith("{\"sandboxer\":\"sandboxd\""), status.getInfoOrThrow("info"));
    assertTrue(status.getInfoOrThrow("info").contains("\"netnsPath\":\"" + NETNS + "\""));
    // CRI's own calls (container events, CreateContainer) don't ask for it: not built for them
    assertEquals(0, c.status(ControllerStatusRequest.newBuilder().setSandboxId("sb1").build()).getInfoCount());
    assertEquals("linux", c.platform(ControllerPlatformRequest.newBuilder().setSandboxId("sb1").build()).getPlatform().getOs());

    c.stop(ControllerStopRequest.newBuilder().setSandboxId("sb1").build());
    c.stop(ControllerStopRequest.newBuilder().setSandboxId("sb1").build());
    assertEquals("SANDBOX_NOTREADY", c.status(ControllerStatusRequest.newBuilder().setSandboxId("sb1").build()).getState());
  }

  @Test
  void waitBlocksUntilShutdownAndUnknownSandboxesAreNotFound() throws Exception {
    ready.complete(sandboxes);
    ControllerGrpc.ControllerBlockingStub c = controller("k8s.io");
    createAndStart(c);
    CompletableFuture<ControllerWaitResponse> waited = new CompletableFuture<>();
    ControllerGrpc.newStub(channel).wait(ControllerWaitRequest.newBuilder().setSandboxId("sb1").build(), observer(waited));
    assertFalse(waited.isDone());

    c.shutdown(ControllerShutdownRequest.newBuilder().setSandboxId("sb1").build());
    assertTrue(waited.get(5, TimeUnit.SECONDS).hasExitedAt());
    c.shutdown(ControllerShutdownRequest.newBuilder().setSandboxId("sb1").build());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> c.status(ControllerStatusRequest.newBuilder().setSandboxId("sb1").build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void badOptionsAreInvalidArgumentAndOtherNamespacesRefused() {
    ready.complete(sandboxes);
    StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> controller("k8s.io").create(
        ControllerCreateRequest.newBuilder().setSandboxId("sb1").setNetnsPath(NETNS).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    assertTrue(bad.getStatus().getDescription().startsWith("options:"), bad.getStatus().getDescription());

    StatusRuntimeException other = assertThrows(StatusRuntimeException.class, () -> controller("default").status(
        ControllerStatusRequest.newBuilder().setSandboxId("sb1").build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, other.getStatus().getCode());
  }

  @Test
  void callsBeforeRecoveryWaitForIt() throws Exception {
    CompletableFuture<ControllerStatusResponse> answer = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        answer.complete(controller("k8s.io").status(ControllerStatusRequest.newBuilder().setSandboxId("sb1").build()));
      } catch (RuntimeException e) {
        answer.completeExceptionally(e);
      }
    });
    caller.start();
    Thread.sleep(200);
    assertFalse(answer.isDone(), "answered before sandboxd knew its sandboxes");
    ready.complete(sandboxes);
    caller.join(5000);
    assertTrue(answer.isCompletedExceptionally(), "sb1 is unknown: NotFound, after recovery");
  }

  @Test
  void metricsComeFromThePodCgroup() throws Exception {
    ready.complete(sandboxes);
    createAndStart(controller("k8s.io"));
    cgroupFs.set("/kubepods/besteffort/pod-web", "cpu.stat", "usage_usec 4200\nuser_usec 4000\nsystem_usec 200\n");
    cgroupFs.set("/kubepods/besteffort/pod-web", "pids.current", "3\n");
    Struct data = controller("k8s.io").metrics(ControllerMetricsRequest.newBuilder().setSandboxId("sb1").build())
        .getMetrics().getData().unpack(Struct.class);
    assertEquals(4200, data.getFieldsOrThrow("cpu_usage_usec").getNumberValue());
    assertEquals(3, data.getFieldsOrThrow("pids_current").getNumberValue());
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        into.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }
}
