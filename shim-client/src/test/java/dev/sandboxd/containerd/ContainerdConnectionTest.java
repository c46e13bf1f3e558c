package dev.sandboxd.containerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import containerd.services.containers.v1.ContainersGrpc;
import containerd.services.containers.v1.ContainersOuterClass.GetContainerRequest;
import containerd.services.containers.v1.ContainersOuterClass.GetContainerResponse;
import containerd.services.tasks.v1.TasksGrpc;
import containerd.services.tasks.v1.TasksOuterClass.WaitRequest;
import containerd.services.tasks.v1.TasksOuterClass.WaitResponse;
import containerd.services.version.v1.VersionGrpc;
import containerd.services.version.v1.VersionOuterClass.VersionResponse;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ContainerdConnectionTest {
  private final List<Deadline> deadlines = new CopyOnWriteArrayList<>();

  private final VersionGrpc.VersionImplBase version =
      new VersionGrpc.VersionImplBase() {
        @Override
        public void version(Empty request, StreamObserver<VersionResponse> response) {
          deadlines.add(Context.current().getDeadline());
          response.onNext(VersionResponse.newBuilder().setVersion("2.1.9").setRevision("abc").build());
          response.onCompleted();
        }
      };

  @Test
  void everyCallCarriesTheNamespace() throws Exception {
    try (InProcessContainerd containerd = new InProcessContainerd(version)) {
      assertEquals(new ContainerdVersion("2.1.9", "abc"), containerd.connection.version());
      assertEquals("test-ns", containerd.lastHeaders().get(HeaderInterceptor.NAMESPACE));
      assertNull(containerd.lastHeaders().get(HeaderInterceptor.LEASE));

      containerd.connection.withNamespace("other").version();
      assertEquals("other", containerd.lastHeaders().get(HeaderInterceptor.NAMESPACE));
    }
  }

  @Test
  void callsWithinALeaseCarryItsId() throws Exception {
    try (InProcessContainerd containerd = new InProcessContainerd(version)) {
      ContainerdConnection leased = containerd.connection.withLease("lease-1");
      leased.version();
      assertEquals("lease-1", containerd.lastHeaders().get(HeaderInterceptor.LEASE));
      assertEquals("test-ns", containerd.lastHeaders().get(HeaderInterceptor.NAMESPACE));
      leased.close(); // a view: the shared channel stays open
      containerd.connection.version();
      assertNull(containerd.lastHeaders().get(HeaderInterceptor.LEASE));
    }
  }

  @Test
  void unaryCallsGetTheDefaultDeadline() throws Exception {
    ConnectionOptions options = ConnectionOptions.forNamespace("ns").withCallTimeout(Duration.ofSeconds(7));
    try (InProcessContainerd containerd = new InProcessContainerd(options, version)) {
      containerd.connection.version();
      Deadline deadline = deadlines.get(0);
      assertNotNull(deadline);
      long left = deadline.timeRemaining(TimeUnit.MILLISECONDS);
      assertTrue(left > 5_000 && left <= 7_000, "deadline in " + left + " ms");
    }
  }

  @Test
  void waitTakesItsOwnDeadlineAndReportsExpiry() throws Exception {
    TasksGrpc.TasksImplBase tasks =
        new TasksGrpc.TasksImplBase() {
          @Override
          public void wait(WaitRequest request, StreamObserver<WaitResponse> response) {
            deadlines.add(Context.current().getDeadline());
            // never answers: the process "keeps running"
          }
        };
    try (InProcessContainerd containerd = new InProcessContainerd(tasks)) {
      long began = System.nanoTime();
      SandboxdException e =
          assertThrows(
              SandboxdException.class,
              () -> containerd.connection.tasks().wait("c1", "", Duration.ofMillis(500)));
      Duration took = Duration.ofNanos(System.nanoTime() - began);
      assertInstanceOf(SandboxdException.DeadlineExceeded.class, e);
      assertTrue(e.getMessage().startsWith("containerd: wait for task c1: "), e.getMessage());
      // Its own deadline, not the 30 s default (on a loaded machine the server may not even see the call).
      assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
      deadlines.forEach(d -> assertTrue(d.timeRemaining(TimeUnit.SECONDS) < 1));
    }
  }

  @Test
  void grpcFailuresBecomeSandboxdExceptionsNamingTheWork() throws Exception {
    ContainersGrpc.ContainersImplBase containers =
        new ContainersGrpc.ContainersImplBase() {
          @Override
          public void get(GetContainerRequest request, StreamObserver<GetContainerResponse> response) {
            response.onError(
                Status.NOT_FOUND
                    .withDescription("container \"" + request.getId() + "\" in namespace \"test-ns\": not found")
                    .asRuntimeException());
          }
        };
    try (InProcessContainerd containerd = new InProcessContainerd(containers)) {
      SandboxdException e =
          assertThrows(SandboxdException.class, () -> containerd.connection.containers().get("web-1"));
      assertInstanceOf(SandboxdException.NotFound.class, e);
      assertEquals(
          "containerd: get container web-1: container \"web-1\" in namespace \"test-ns\": not found", e.getMessage());
      // unimplemented services map to Internal
      assertInstanceOf(
          SandboxdException.Internal.class,
          assertThrows(SandboxdException.class, () -> containerd.connection.containers().list()));
    }
  }

  @Test
  void healthCheck() throws Exception {
    ServerServiceDefinition health =
        ServerServiceDefinition.builder("grpc.health.v1.Health")
            .addMethod(
                HealthCheck.CHECK,
                ServerCalls.asyncUnaryCall(
                    (Empty request, StreamObserver<Integer> response) -> {
                      response.onNext(HealthCheck.SERVING);
                      response.onCompleted();
                    }))
            .build();
    try (InProcessContainerd containerd = new InProcessContainerd(health)) {
      assertTrue(containerd.connection.isServing());
    }
    try (InProcessContainerd nothing = new InProcessContainerd(version)) {
      assertFalse(nothing.connection.isServing()); // UNIMPLEMENTED: not serving, no exception
    }
  }

  @Test
  void invalidNamespacesAreRefused() {
    SandboxdException e =
        assertThrows(SandboxdException.class, () -> ConnectionOptions.forNamespace("no/slashes"));
    assertTrue(e.getMessage().startsWith("containerd.namespace: "), e.getMessage());
  }
}
