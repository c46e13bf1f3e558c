package dev.sandboxd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ExecRequest;
import dev.sandboxd.api.v1.InspectPodRequest;
import dev.sandboxd.api.v1.LogsRequest;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.StopPodRequest;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.container.ExecResult;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.lifecycle.UnsupportedPodLifecycle;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import dev.sandboxd.containerlog.LogOptions;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How the Pods service answers failures: each error kind its own code and message, and nothing else leaks. */
class PodsServiceTest {
  private final FailingPods lifecycle = new FailingPods();
  private Server server;
  private ManagedChannel channel;
  private PodsGrpc.PodsBlockingStub pods;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new PodsService(lifecycle, (pid, port) -> { throw new UnsupportedOperationException("port-forward"); }, java.util.Optional::empty, Executors.newCachedThreadPool())).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    pods = PodsGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  static Stream<Arguments> errorKinds() {
    return Stream.of(
        Arguments.of(SandboxdException.notFound("pod %s not found", "web"), Status.Code.NOT_FOUND),
        Arguments.of(SandboxdException.alreadyExists("pod default/web exists"), Status.Code.ALREADY_EXISTS),
        Arguments.of(SandboxdException.invalidArgument("spec.containers[0].image: must not be empty"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(SandboxdException.failedPrecondition("pod web is running: stop it first"), Status.Code.FAILED_PRECONDITION),
        Arguments.of(SandboxdException.unavailable("containerd: connection refused", null), Status.Code.UNAVAILABLE),
        Arguments.of(SandboxdException.resourceExhausted("pids limit reached"), Status.Code.RESOURCE_EXHAUSTED),
        Arguments.of(SandboxdException.deadlineExceeded("stop took longer than 30 s", null), Status.Code.DEADLINE_EXCEEDED),
        Arguments.of(SandboxdException.internal("writing the pod record: disk full", new IOException("ENOSPC")), Status.Code.INTERNAL));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("errorKinds")
  void eachErrorKindIsItsOwnCodeWithItsMessage(SandboxdException failure, Status.Code code) {
    lifecycle.failure = failure;

    assertStatus(code, failure.getMessage(), () -> pods.inspectPod(inspect("web")));
    assertStatus(code, failure.getMessage(),
        () -> pods.stopPod(StopPodRequest.newBuilder().setPod(ref("web")).setGracePeriodSeconds(5).build()));
    assertStatus(code, failure.getMessage(), () -> pods.removePod(RemovePodRequest.newBuilder().setPod(ref("web")).build()));
    // a server stream fails the same way as a unary call
    assertStatus(code, failure.getMessage(), () -> pods.logs(LogsRequest.newBuilder().setPod(ref("web")).setContainer("app").build()).next());
    assertEquals(List.of("inspect web", "stop web PT5S", "remove web", "logs web app"), lifecycle.calls);
  }

  @Test
  void anUnexpectedExceptionIsInternalWithItsMessageAndNoStackTrace() {
    lifecycle.failure = new IllegalStateException("entry for web vanished", new IOException("underneath"));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pods.inspectPod(inspect("web")));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertEquals("entry for web vanished", e.getStatus().getDescription());
    assertNull(e.getStatus().getCause());
    assertNoStackTrace(e);
  }

  @Test
  void anUnexpectedExceptionWithoutMessageSaysItsKindOnly() {
    lifecycle.failure = new NullPointerException();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pods.inspectPod(inspect("web")));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertEquals("java.lang.NullPointerException", e.getStatus().getDescription());
    assertNoStackTrace(e);
  }

  @Test
  void aLogThatCannotBeReadIsInternal() {
    lifecycle.logFailure = new IOException("Input/output error");

    assertStatus(Status.Code.INTERNAL, "reading log: Input/output error",
        () -> pods.logs(LogsRequest.newBuilder().setPod(ref("web")).setContainer("app").build()).next());
  }

  @Test
  void badRequestsAreInvalidArgumentsNamingTheFieldAndReachNothing() {
    assertStatus(Status.Code.INVALID_ARGUMENT, "manifest: must not be empty",
        () -> pods.runPod(RunPodRequest.newBuilder().setManifest("  ").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "pod: must not be empty", () -> pods.inspectPod(inspect("")));
    assertStatus(Status.Code.INVALID_ARGUMENT, "grace_period_seconds: must be >= 0",
        () -> pods.stopPod(StopPodRequest.newBuilder().setPod(ref("web")).setGracePeriodSeconds(-1).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "command: must not be empty",
        () -> pods.exec(ExecRequest.newBuilder().setPod(ref("web")).setContainer("app").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "timeout_seconds: must be >= 0",
        () -> pods.exec(ExecRequest.newBuilder().setPod(ref("web")).setContainer("app").addCommand("ls").setTimeoutSeconds(-1).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "container: must not be empty",
        () -> pods.logs(LogsRequest.newBuilder().setPod(ref("web")).build()).next());
    assertEquals(List.of(), lifecycle.calls);
  }

  private static void assertStatus(Status.Code code, String description, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), e.toString());
    assertEquals(description, e.getStatus().getDescription());
  }

  private static void assertNoStackTrace(StatusRuntimeException e) {
    assertFalse(e.getStatus().getDescription().contains("\tat "), e.getStatus().getDescription());
    Metadata trailers = e.getTrailers();
    for (String key : trailers.keys()) {
      if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        String value = trailers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        assertTrue(value == null || !value.contains("dev.sandboxd."), key + ": " + value);
      }
    }
  }

  private static InspectPodRequest inspect(String pod) {
    return InspectPodRequest.newBuilder().setPod(ref(pod)).build();
  }

  private static PodRef ref(String pod) {
    return PodRef.newBuilder().setRef(pod).build();
  }

  /** Records each call that reached it, then fails with the failure the test chose. */
  private static final class FailingPods extends UnsupportedPodLifecycle {
    final List<String> calls = new CopyOnWriteArrayList<>();
    RuntimeException failure;
    IOException logFailure;

    @Override
    public PodStatus inspect(String podRef) {
      calls.add("inspect " + podRef);
      throw failure;
    }

    @Override
    public PodStatus stop(String podRef, Optional<Duration> gracePeriod) {
      calls.add("stop " + podRef + " " + gracePeriod.map(Duration::toString).orElse("default"));
      throw failure;
    }

    @Override
    public void remove(String podRef, boolean force) {
      calls.add("remove " + podRef);
      throw failure;
    }

    @Override
    public void logs(String podRef, String container, LogOptions options, OutputStream out, BooleanSupplier keepFollowing)
        throws IOException {
      calls.add("logs " + podRef + " " + container);
      if (logFailure != null) {
        throw logFailure;
      }
      throw failure;
    }

    @Override
    public ExecResult exec(String podRef, String container, List<String> command, Optional<Duration> timeout) {
      calls.add("exec " + podRef);
      throw failure;
    }
  }
}
