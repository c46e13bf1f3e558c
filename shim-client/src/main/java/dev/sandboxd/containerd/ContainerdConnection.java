package dev.sandboxd.containerd;

import com.google.protobuf.Empty;
import containerd.services.version.v1.VersionGrpc;
import containerd.services.version.v1.VersionOuterClass.VersionResponse;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one channel to containerd's gRPC socket, shared by every service client; build it once per
 * process and close it at shutdown. Views ({@link #withLease}, {@link #withNamespace}) share the
 * channel and need no closing.
 */
public final class ContainerdConnection implements Containerd, AutoCloseable {
  // containerd's own send/receive limit (defaults.DefaultMaxRecvMsgSize).
  private static final int MAX_MESSAGE_SIZE = 16 << 20;
  /** A health check answers at once or not at all: readiness probes must not wait a call timeout. */
  static final Duration HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(2);
  /**
   * How long after containerd was last connected calls still wait for it to come back: a
   * restart takes about a second; past this containerd is down and calls fail at once.
   */
  static final Duration RESTART_GRACE = Duration.ofSeconds(5);

  private final ManagedChannel managed; // null in views: the owner closes it
  private final Channel deadlined; // managed channel + default deadline, no headers yet
  private final ConnectionOptions options;
  private final String leaseId;
  private final Containers containers;
  private final Tasks tasks;
  private final ContentStore content;
  private final Images images;
  private final Diffs diffs;
  private final Leases leases;
  private final Events events;
  private final Channel channel;

  private ContainerdConnection(
      ManagedChannel managed, Channel deadlined, ConnectionOptions options, String leaseId) {
    this.managed = managed;
    this.deadlined = deadlined;
    this.options = options;
    this.leaseId = leaseId;
    this.channel = ClientInterceptors.intercept(deadlined, new HeaderInterceptor(options.namespace(), leaseId));
    this.containers = new GrpcContainers(channel);
    this.tasks = new GrpcTasks(channel);
    this.content = new GrpcContentStore(channel, options.callTimeout(), options.transferTimeout());
    this.images = new GrpcImages(channel);
    this.diffs = new GrpcDiffs(channel, options.transferTimeout());
    this.leases = new GrpcLeases(channel, Clock.systemUTC());
    this.events = new GrpcEvents(channel, options.namespace());
  }

  /**
   * Connects to containerd's socket (plaintext gRPC over a unix domain socket, epoll transport).
   * The connection is made lazily; use {@link #isServing()} to wait for containerd. The
   * interceptors see every call (e.g. to time them).
   */
  public static ContainerdConnection open(Path socket, ConnectionOptions options, ClientInterceptor... interceptors) {
    ManagedChannel channel = UnixSocketChannels.open(socket, "containerd-client", MAX_MESSAGE_SIZE);
    return over(channel, new DeadlineInterceptor(options.callTimeout(), channel, socket.toString(), RESTART_GRACE),
        options, interceptors);
  }

  /**
   * A connection over a channel made elsewhere (e.g. in-process, for tests), where calls always
   * wait for the connection within their deadline; closing it closes the channel.
   */
  public static ContainerdConnection over(ManagedChannel channel, ConnectionOptions options, ClientInterceptor... interceptors) {
    return over(channel, new DeadlineInterceptor(options.callTimeout(), null, channel.authority(), RESTART_GRACE),
        options, interceptors);
  }

  private static ContainerdConnection over(
      ManagedChannel channel, DeadlineInterceptor deadlines, ConnectionOptions options, ClientInterceptor... interceptors) {
    Channel deadlined = ClientInterceptors.intercept(ClientInterceptors.intercept(channel, interceptors), deadlines);
    return new ContainerdConnection(channel, deadlined, options, null);
  }

  @Override
  public ContainerdConnection withLease(String lease) {
    return new ContainerdConnection(null, deadlined, options, lease);
  }

  /** A view of the same channel in another namespace (keeping this view's lease). */
  public ContainerdConnection withNamespace(String namespace) {
    return new ContainerdConnection(null, deadlined, options.withNamespace(namespace), leaseId);
  }

  @Override
  public String namespace() {
    return options.namespace();
  }

  public ConnectionOptions options() {
    return options;
  }

  @Override
  public ContainerdVersion version() {
    return Calls.call(
        "version",
        () -> {
          VersionResponse v = VersionGrpc.newBlockingStub(channel).version(Empty.getDefaultInstance());
          return new ContainerdVersion(v.getVersion(), v.getRevision());
        });
  }

  /**
   * Reconnects now instead of after grpc's growing back-off (up to two minutes): called by
   * whoever learns that containerd is probably back, e.g. when re-subscribing to events.
   */
  public void reconnectNow() {
    if (managed != null) {
      managed.resetConnectBackoff();
    }
  }

  @Override
  public boolean isServing() {
    try {
      Duration timeout = options.callTimeout().compareTo(HEALTH_CHECK_TIMEOUT) < 0 ? options.callTimeout() : HEALTH_CHECK_TIMEOUT;
      return HealthCheck.check(channel, timeout) == HealthCheck.SERVING;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  @Override
  public Containers containers() {
    return containers;
  }

  @Override
  public Tasks tasks() {
    return tasks;
  }

  @Override
  public ContentStore content() {
    return content;
  }

  @Override
  public Images images() {
    return images;
  }

  @Override
  public Snapshots snapshots(String snapshotter) {
    return new GrpcSnapshots(channel, snapshotter, options.callTimeout());
  }

  @Override
  public Diffs diffs() {
    return diffs;
  }

  @Override
  public Leases leases() {
    return leases;
  }

  @Override
  public Events events() {
    return events;
  }

  @Override
  public Transfers transfers() {
    return new GrpcTransfers(channel, options.callTimeout(), options.transferTimeout());
  }

  /** containerd's sandbox store in this view's namespace. */
  public SandboxStore sandboxStore() {
    return new GrpcSandboxStore(channel);
  }

  /** Closes the channel (views: nothing). Calls still running are cancelled after 5 s. */
  @Override
  public void close() {
    if (managed == null) {
      return;
    }
    managed.shutdown();
    try {
      if (!managed.awaitTermination(5, TimeUnit.SECONDS)) {
        managed.shutdownNow();
        managed.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      managed.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
