package dev.sandboxd.server;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.AttachedExecRequest;
import dev.sandboxd.api.v1.AttachedExecResponse;
import dev.sandboxd.api.v1.Event;
import dev.sandboxd.api.v1.EventsRequest;
import dev.sandboxd.api.v1.ExecRequest;
import dev.sandboxd.api.v1.ExecResponse;
import dev.sandboxd.api.v1.InspectPodRequest;
import dev.sandboxd.api.v1.InspectPodResponse;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.ListPodsResponse;
import dev.sandboxd.api.v1.PausePodRequest;
import dev.sandboxd.api.v1.PausePodResponse;
import dev.sandboxd.api.v1.LogChunk;
import dev.sandboxd.api.v1.LogsRequest;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.PortForwardRequest;
import dev.sandboxd.api.v1.PortForwardResponse;
import dev.sandboxd.api.v1.RemovePodRequest;
import dev.sandboxd.api.v1.RemovePodResponse;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.RunPodResponse;
import dev.sandboxd.api.v1.StatsRequest;
import dev.sandboxd.api.v1.StatsResponse;
import dev.sandboxd.api.v1.StopPodRequest;
import dev.sandboxd.api.v1.StopPodResponse;
import dev.sandboxd.api.v1.UnpausePodRequest;
import dev.sandboxd.api.v1.UnpausePodResponse;
import dev.sandboxd.errdefs.GrpcErrors;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.container.ExecResult;
import dev.sandboxd.containerlog.LogOptions;
import dev.sandboxd.lifecycle.LifecycleEvent;
import dev.sandboxd.lifecycle.LifecycleEvents;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.portforward.PodPorts;
import dev.sandboxd.sandboxer.CriPodView;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** sandboxd.v1.Pods: checks the request's shape, calls {@link PodLifecycle}, maps the answer. */
public final class PodsService extends PodsGrpc.PodsImplBase {
  private static final int LOG_CHUNK_BYTES = 32 * 1024;
  /** Chunks of a log waiting for a slow client: the memory one reader may hold is this × 32 KiB. */
  private static final int LOG_CHUNKS_QUEUED = 4;
  /** The replayed past (LifecycleEvents keeps 1000) and a burst on top of it. */
  private static final int EVENTS_QUEUED = 4096;

  private final PodLifecycle pods;
  private final PodPorts ports;
  /** The CRI pods sandboxd serves, once its sandbox controller for CRI runs; empty without one. */
  private final Supplier<Optional<CriPodView>> cri;
  /**
   * Log readers and the pumps of attached execs and port-forwards: one thread while its call lasts,
   * so a pool that grows with the calls (the daemon's ends idle threads soon after).
   */
  private final ExecutorService streams;

  public PodsService(PodLifecycle pods, PodPorts ports, Supplier<Optional<CriPodView>> cri, ExecutorService streams) {
    this.pods = pods;
    this.ports = ports;
    this.cri = cri;
    this.streams = streams;
  }

  @Override
  public void runPod(RunPodRequest request, StreamObserver<RunPodResponse> response) {
    unary(response, () -> {
      if (request.getManifest().isBlank()) {
        throw SandboxdException.invalidArgument("manifest: must not be empty");
      }
      PodLifecycle.RunResult result = pods.run(request.getManifest(), request.getLenient());
      return RunPodResponse.newBuilder()
          .setPod(PodMessages.toProto(result.status()))
          .addAllWarnings(result.warnings())
          .build();
    });
  }

  @Override
  public void stopPod(StopPodRequest request, StreamObserver<StopPodResponse> response) {
    unary(response, () -> {
      Optional<Duration> grace = Optional.empty();
      if (request.hasGracePeriodSeconds()) {
        if (request.getGracePeriodSeconds() < 0) {
          throw SandboxdException.invalidArgument("grace_period_seconds: must be >= 0");
        }
        grace = Optional.of(Duration.ofSeconds(request.getGracePeriodSeconds()));
      }
      return StopPodResponse.newBuilder()
          .setPod(PodMessages.toProto(pods.stop(ref(request.getPod()), grace)))
          .build();
    });
  }

  @Override
  public void removePod(RemovePodRequest request, StreamObserver<RemovePodResponse> response) {
    unary(response, () -> {
      pods.remove(ref(request.getPod()), request.getForce());
      return RemovePodResponse.getDefaultInstance();
    });
  }

  @Override
  public void listPods(ListPodsRequest request, StreamObserver<ListPodsResponse> response) {
    unary(response, () -> {
      ListPodsResponse.Builder out = ListPodsResponse.newBuilder();
      pods.list().forEach(p -> out.addPods(PodMessages.toProto(p, request.getView())));
      cri.get().ifPresent(view -> view.list().forEach(p -> out.addPods(CriPodMessages.toProto(p, request.getView()))));
      return out.build();
    });
  }

  @Override
  public void inspectPod(InspectPodRequest request, StreamObserver<InspectPodResponse> response) {
    unary(response, () -> {
      String ref = ref(request.getPod());
      try {
        return InspectPodResponse.newBuilder().setPod(PodMessages.toProto(pods.inspect(ref))).build();
      } catch (SandboxdException.NotFound notOurs) {
        // sandboxd's own pods first; then the CRI pods it serves.
        var inspected = cri.get().flatMap(view -> view.inspect(ref)).orElseThrow(() -> notOurs);
        return InspectPodResponse.newBuilder().setPod(CriPodMessages.toProto(inspected)).build();
      }
    });
  }

  @Override
  public void logs(LogsRequest request, StreamObserver<LogChunk> response) {
    ServerCallStreamObserver<LogChunk> stream = (ServerCallStreamObserver<LogChunk>) response;
    FlowControlledSender<LogChunk> sender = new FlowControlledSender<>(stream, LOG_CHUNKS_QUEUED, () -> {});
    String pod;
    LogOptions options;
    try {
      requireName("container", request.getContainer());
      pod = ref(request.getPod());
      if (request.getPrevious() && request.getFollow()) {
        throw SandboxdException.invalidArgument("previous: a previous run has ended, it cannot be followed (follow is set)");
      }
      if (request.hasTailLines() && (request.getTailLines() < 0 || request.getTailLines() > LogOptions.MAX_TAIL_LINES)) {
        throw SandboxdException.invalidArgument(
            "tail_lines: must be between 0 and %d, was %d", LogOptions.MAX_TAIL_LINES, request.getTailLines());
      }
      options = new LogOptions(request.getFollow(), request.getPrevious(),
          request.hasTailLines() ? OptionalInt.of((int) request.getTailLines()) : OptionalInt.empty(),
          request.hasSinceTime() ? Optional.of(PodMessages.instant(request.getSinceTime())) : Optional.empty(),
          request.getTimestamps());
    } catch (RuntimeException e) {
      sender.fail(e);
      return;
    }
    // Off the call's thread, so that gRPC can deliver the on-ready callbacks the sender waits for.
    streams.execute(() -> {
      try {
        OutputStream out = new ChunkingStream(sender);
        pods.logs(pod, request.getContainer(), options, out, () -> !stream.isCancelled());
        out.flush();
        sender.complete();
      } catch (ClientGone e) {
        // Nothing to tell anyone.
      } catch (IOException e) {
        sender.fail(SandboxdException.internal("reading log: " + e.getMessage(), e));
      } catch (RuntimeException e) {
        sender.fail(e);
      }
    });
  }

  @Override
  public void exec(ExecRequest request, StreamObserver<ExecResponse> response) {
    unary(response, () -> {
      requireName("container", request.getContainer());
      if (request.getCommandCount() == 0) {
        throw SandboxdException.invalidArgument("command: must not be empty");
      }
      if (request.getTimeoutSeconds() < 0) {
        throw SandboxdException.invalidArgument("timeout_seconds: must be >= 0");
      }
      Optional<Duration> timeout =
          request.getTimeoutSeconds() == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(request.getTimeoutSeconds()));
      ExecResult result = pods.exec(ref(request.getPod()), request.getContainer(), request.getCommandList(), timeout);
      return ExecResponse.newBuilder()
          .setStdout(ByteString.copyFrom(result.stdout()))
          .setStderr(ByteString.copyFrom(result.stderr()))
          .setExitCode(result.exitCode())
          .build();
    });
  }

  @Override
  public StreamObserver<AttachedExecRequest> attachedExec(StreamObserver<AttachedExecResponse> response) {
    return new AttachedExecCall(pods, streams, (ServerCallStreamObserver<AttachedExecResponse>) response);
  }

  @Override
  public StreamObserver<PortForwardRequest> portForward(StreamObserver<PortForwardResponse> response) {
    return new PortForwardCall(pods, ports, streams, (ServerCallStreamObserver<PortForwardResponse>) response);
  }

  @Override
  public void events(EventsRequest request, StreamObserver<Event> response) {
    ServerCallStreamObserver<Event> stream = (ServerCallStreamObserver<Event>) response;
    LifecycleEvents feed = pods.events();
    AtomicReference<Runnable> unsubscribe = new AtomicReference<>(() -> {});
    FlowControlledSender<Event> sender = new FlowControlledSender<>(stream, EVENTS_QUEUED, () -> unsubscribe.get().run());
    Supplier<RuntimeException> overflow = () -> SandboxdException.resourceExhausted(
        "events: the client fell %d events behind and was dropped; follow again", EVENTS_QUEUED);
    if (!request.getFollow()) {
      feed.recent().forEach(e -> sender.offer(toProto(e), overflow));
      sender.complete();
      return;
    }
    // Subscribe before replaying, so nothing falls between the two; the lock keeps the order.
    Object lock = new Object();
    unsubscribe.set(feed.subscribe(e -> {
      synchronized (lock) {
        sender.offer(toProto(e), overflow);
      }
    }));
    if (stream.isCancelled()) {
      unsubscribe.get().run();
      return;
    }
    synchronized (lock) {
      feed.recent().forEach(e -> sender.offer(toProto(e), overflow));
    }
  }

  private static Event toProto(LifecycleEvent e) {
    return Event.newBuilder()
        .setTime(PodMessages.timestamp(e.time()))
        .setPod(e.pod())
        .setPodUid(e.podUid())
        .setContainer(e.container())
        .setType(e.type().name())
        .setReason(e.reason())
        .setMessage(e.message())
        .build();
  }

  @Override
  public void pausePod(PausePodRequest request, StreamObserver<PausePodResponse> response) {
    unary(response, () ->
        PausePodResponse.newBuilder().setPod(PodMessages.toProto(pods.pause(ref(request.getPod())))).build());
  }

  @Override
  public void unpausePod(UnpausePodRequest request, StreamObserver<UnpausePodResponse> response) {
    unary(response, () ->
        UnpausePodResponse.newBuilder().setPod(PodMessages.toProto(pods.unpause(ref(request.getPod())))).build());
  }

  @Override
  public void stats(StatsRequest request, StreamObserver<StatsResponse> response) {
    unary(response, () -> {
      Optional<String> pod = request.hasPod() ? Optional.of(ref(request.getPod())) : Optional.empty();
      StatsResponse.Builder out = StatsResponse.newBuilder();
      try {
        pods.stats(pod).forEach(p -> out.addPods(PodMessages.stats(p)));
      } catch (SandboxdException.NotFound notOurs) {
        // The one pod asked for is not sandboxd's own: a CRI pod's, or not found.
        List<CriPodView.Usage> usage = cri.get().map(view -> view.stats(pod)).orElse(List.of());
        if (usage.isEmpty()) {
          throw notOurs;
        }
        usage.forEach(u -> out.addPods(CriPodMessages.stats(u)));
        return out.build();
      }
      if (pod.isEmpty()) {
        cri.get().ifPresent(view -> view.stats(pod).forEach(u -> out.addPods(CriPodMessages.stats(u))));
      }
      return out.build();
    });
  }

  static String ref(PodRef ref) {
    requireName("pod", ref.getRef());
    return ref.getRef();
  }

  static void requireName(String field, String value) {
    if (value.isBlank()) {
      throw SandboxdException.invalidArgument("%s: must not be empty", field);
    }
  }

  static <T> void unary(StreamObserver<T> response, Supplier<T> call) {
    T result;
    try {
      result = call.get();
    } catch (RuntimeException e) {
      fail(response, e);
      return;
    }
    response.onNext(result);
    response.onCompleted();
  }

  static void fail(StreamObserver<?> response, RuntimeException e) {
    if (!(e instanceof SandboxdException)) {
      ServerLog.unexpected(e);
    }
    response.onError(GrpcErrors.toStatus(e));
  }

  /** Buffers log bytes into chunks so a chatty container does not become one message per line. */
  private static final class ChunkingStream extends OutputStream {
    private final FlowControlledSender<LogChunk> sender;
    private final byte[] buffer = new byte[LOG_CHUNK_BYTES];
    private int used;

    ChunkingStream(FlowControlledSender<LogChunk> sender) {
      this.sender = sender;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = Math.min(len, buffer.length - used);
        System.arraycopy(b, off, buffer, used, n);
        used += n;
        off += n;
        len -= n;
        if (used == buffer.length) {
          flush();
        }
      }
    }

    /** Blocks while the client is behind. */
    @Override
    public void flush() throws IOException {
      if (used == 0) {
        return;
      }
      try {
        if (!sender.send(LogChunk.newBuilder().setData(ByteString.copyFrom(buffer, 0, used)).build())) {
          throw new ClientGone();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ClientGone();
      }
      used = 0;
    }
  }

  /** Stops reading a log nobody receives any more. */
  private static final class ClientGone extends IOException {
    ClientGone() {
      super("the client went away");
    }
  }
}
