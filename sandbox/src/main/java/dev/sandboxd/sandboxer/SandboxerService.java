package dev.sandboxd.sandboxer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import containerd.services.sandbox.v1.ControllerGrpc;
import containerd.services.sandbox.v1.Sandbox.ControllerCreateRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerCreateResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerMetricsRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerMetricsResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerPlatformRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerPlatformResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerShutdownRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerShutdownResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStartRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStartResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStatusRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStatusResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStopRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStopResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerUpdateRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerUpdateResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerWaitRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerWaitResponse;
import containerd.types.Metrics.Metric;
import containerd.types.PlatformOuterClass;
import dev.sandboxd.cgroup.CgroupUsage;
import dev.sandboxd.errdefs.GrpcErrors;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.sandbox.SandboxController.Platform;
import dev.sandboxd.sandbox.SandboxController.Sandbox;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * containerd's {@code containerd.services.sandbox.v1.Controller}, served to containerd's proxy
 * sandbox plugin: translates messages and calls {@link CriSandboxes}; no logic lives here. The
 * socket listens before sandboxd has recovered (containerd, started after sandboxd, asks for the
 * status of every sandbox at once): calls wait until the sandboxes are known.
 */
public final class SandboxerService extends ControllerGrpc.ControllerImplBase {
  private static final Logger LOG = System.getLogger("dev.sandboxd.sandboxer");
  /** CRI's state strings: anything else makes containerd's CRI see an unknown state. */
  static final String READY = "SANDBOX_READY";
  static final String NOT_READY = "SANDBOX_NOTREADY";
  static final Metadata.Key<String> NAMESPACE_HEADER =
      Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> NAMESPACE = Context.key("containerd-namespace");
  /** How long a call waits for sandboxd's start-up (containerd retries an UNAVAILABLE Wait for ever). */
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

  private final CompletableFuture<CriSandboxes> ready;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();

  /** @param ready completes with the sandboxes once recovered */
  public SandboxerService(CompletableFuture<CriSandboxes> ready, Clock clock) {
    this.ready = ready;
    this.clock = clock;
  }

  /** The service with the interceptor that reads containerd's namespace header. */
  public ServerServiceDefinition definition() {
    return ServerInterceptors.intercept(this, new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String ns = headers.get(NAMESPACE_HEADER);
        return Contexts.interceptCall(Context.current().withValue(NAMESPACE, ns == null ? "" : ns), call, headers, next);
      }
    });
  }

  @Override
  public void create(ControllerCreateRequest request, StreamObserver<ControllerCreateResponse> response) {
    unary(response, s -> {
      s.create(request.getSandboxId(), request.getNetnsPath(), request.getOptions());
      return ControllerCreateResponse.newBuilder().setSandboxId(request.getSandboxId()).build();
    });
  }

  @Override
  public void start(ControllerStartRequest request, StreamObserver<ControllerStartResponse> response) {
    unary(response, s -> {
      CriSandboxes.Started started = s.start(request.getSandboxId());
      ControllerStartResponse.Builder out = ControllerStartResponse.newBuilder()
          .setSandboxId(request.getSandboxId())
          .setPid(started.sandbox().pid())
          .setCreatedAt(timestamp(started.sandbox().createdAt()));
      started.endpoint().ifPresent(e -> out.setAddress(e.address()).setVersion(e.version()));
      return out.build();
    });
  }

  @Override
  public void platform(ControllerPlatformRequest request, StreamObserver<ControllerPlatformResponse> response) {
    unary(response, s -> {
      Platform p = s.platform(request.getSandboxId());
      return ControllerPlatformResponse.newBuilder()
          .setPlatform(PlatformOuterClass.Platform.newBuilder().setOs(p.os()).setArchitecture(p.architecture()))
          .build();
    });
  }

  @Override
  public void stop(ControllerStopRequest request, StreamObserver<ControllerStopResponse> response) {
    unary(response, s -> {
      s.stop(request.getSandboxId(), Duration.ofSeconds(request.getTimeoutSecs()));
      return ControllerStopResponse.getDefaultInstance();
    });
  }

  @Override
  public void wait(ControllerWaitRequest request, StreamObserver<ControllerWaitResponse> response) {
    CriSandboxes sandboxes;
    try {
      sandboxes = sandboxes();
    } catch (RuntimeException e) {
      response.onError(GrpcErrors.toStatus(e));
      return;
    }
    String id = request.getSandboxId();
    CompletableFuture<?> exit;
    try {
      exit = sandboxes.waitExit(id).thenAccept(e -> {
        response.onNext(ControllerWaitResponse.newBuilder()
            .setExitStatus(e.exitCode())
            .setExitedAt(timestamp(e.exitedAt()))
            .build());
        response.onCompleted();
      });
    } catch (RuntimeException e) {
      response.onError(GrpcErrors.toStatus(e));
      return;
    }
    // containerd cancels its Wait when it stops caring (a restart): let the future go.
    Context.current().addListener(ctx -> exit.cancel(false), Runnable::run);
  }

  @Override
  public void status(ControllerStatusRequest request, StreamObserver<ControllerStatusResponse> response) {
    unary(response, s -> {
      CriSandboxes.Status status = s.status(request.getSandboxId());
      Sandbox sandbox = status.sandbox();
      ControllerStatusResponse.Builder out = ControllerStatusResponse.newBuilder()
          .setSandboxId(sandbox.id())
          .setPid(sandbox.pid())
          .setState(sandbox.ready() ? READY : NOT_READY)
          .setCreatedAt(timestamp(sandbox.createdAt()));
      if (request.getVerbose()) {
        // as podsandbox: only PodSandboxStatus with verbose shows it; CRI's own calls don't ask
        out.putInfo("info", info(status, s));
      }
      sandbox.exit().ifPresent(e -> out.setExitedAt(timestamp(e.exitedAt())));
      status.endpoint().ifPresent(e -> out.setAddress(e.address()).setVersion(e.version()));
      return out.build();
    });
  }

  @Override
  public void shutdown(ControllerShutdownRequest request, StreamObserver<ControllerShutdownResponse> response) {
    unary(response, s -> {
      s.shutdown(request.getSandboxId());
      return ControllerShutdownResponse.getDefaultInstance();
    });
  }

  @Override
  public void metrics(ControllerMetricsRequest request, StreamObserver<ControllerMetricsResponse> response) {
    unary(response, s -> {
      CgroupUsage usage = s.usage(request.getSandboxId());
      Struct.Builder data = Struct.newBuilder();
      put(data, "cpu_usage_usec", usage.cpuUsageUsec());
      put(data, "memory_current_bytes", usage.memoryCurrentBytes());
      put(data, "memory_working_set_bytes", usage.memoryWorkingSetBytes());
      put(data, "pids_current", usage.pidsCurrent());
      return ControllerMetricsResponse.newBuilder()
          .setMetrics(Metric.newBuilder()
              .setId(request.getSandboxId())
              .setTimestamp(timestamp(clock.instant()))
              .setData(Any.pack(data.build())))
          .build();
    });
  }

  /** The sandbox record is containerd's (it updates its own store); sandboxd keeps nothing of it to change. */
  @Override
  public void update(ControllerUpdateRequest request, StreamObserver<ControllerUpdateResponse> response) {
    unary(response, s -> {
      s.status(request.getSandboxId());
      return ControllerUpdateResponse.getDefaultInstance();
    });
  }

  /** The JSON under the status info's key "info" (crictl inspectp prints it). */
  private String info(CriSandboxes.Status status, CriSandboxes s) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("sandboxer", "sandboxd");
    info.put("namespace", s.namespace());
    info.put("pid", status.sandbox().pid());
    info.put("netnsPath", status.pod().netnsPath());
    info.put("hostNamespaces", status.pod().hostNamespaces().stream().map(Enum::name).sorted().toList());
    info.put("cgroupParent", status.pod().cgroupParent());
    info.put("pauseCgroupsPath", status.pod().pauseCgroupsPath());
    info.put("hostname", status.pod().hostname());
    info.put("sysctls", status.pod().sysctls());
    status.endpoint().ifPresent(e -> info.put("taskAddress", e.address()));
    status.sandbox().exit().ifPresent(e -> info.put("exitCode", e.exitCode()));
    try {
      return json.writeValueAsString(info);
    } catch (JsonProcessingException e) {
      throw SandboxdException.internal("encoding sandbox info", e);
    }
  }

  private <R> void unary(StreamObserver<R> response, Function<CriSandboxes, R> call) {
    R out;
    try {
      out = call.apply(sandboxes());
    } catch (RuntimeException e) {
      if (!(e instanceof SandboxdException.NotFound)) {
        LOG.log(Level.WARNING, "sandbox controller call failed: {0}", e.getMessage());
      }
      response.onError(GrpcErrors.toStatus(e));
      return;
    }
    response.onNext(out);
    response.onCompleted();
  }

  private CriSandboxes sandboxes() {
    CriSandboxes sandboxes;
    try {
      sandboxes = ready.get(STARTUP_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw SandboxdException.unavailable("sandboxd is still starting (or failed to): try again", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SandboxdException.unavailable("interrupted", e);
    }
    String ns = NAMESPACE.get();
    if (ns != null && !ns.isEmpty() && !ns.equals(sandboxes.namespace())) {
      throw SandboxdException.failedPrecondition(
          "sandboxd serves sandboxes in containerd namespace %s only, not %s", sandboxes.namespace(), ns);
    }
    return sandboxes;
  }

  private static void put(Struct.Builder data, String key, OptionalLong value) {
    value.ifPresent(v -> data.putFields(key, Value.newBuilder().setNumberValue(v).build()));
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
