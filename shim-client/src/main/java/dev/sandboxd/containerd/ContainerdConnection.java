package dev.sandboxd.containerd;

import com.google.protobuf.Empty;
import containerd.services.version.v1.VersionGrpc;
import containerd.services.version.v1.VersionOuterClass.VersionResponse;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The one channel to containerd's gRPC socket, shared by every service client; build it once per
 * process and close it at shutdown. Views ({@link #withLease}, {@link #withNamespace}) share the
 * channel and need no closing.
 */
public final class ContainerdConnection implements Containerd, AutoCloseable {
  // containerd's own send/receive limit (defaults.DefaultMaxRecvMsgSize).
  private static final int MAX_MESSAGE_SIZE = 16 << 20;

  private final ManagedChannel managed; // null in views: the owner closes it
  private final EventLoopGroup eventLoop; // null in views and for channels made elsewhere
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
      ManagedChannel managed, EventLoopGroup eventLoop, Channel deadlined, ConnectionOptions options, String leaseId) {
    this.managed = managed;
    this.eventLoop = eventLoop;
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
   * The connection is made lazily; use {@link #isServing()} to wait for containerd.
   */
  public static ContainerdConnection open(Path socket, ConnectionOptions options) {
    if (!Epoll.isAvailable()) {
      throw SandboxdException.internal("containerd: epoll transport unavailable", Epoll.unavailabilityCause());
    }
    // Netty 4.2's form of an EpollEventLoopGroup: one epoll thread is plenty for one socket.
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("containerd-client", true), EpollIoHandler.newFactory());
    ManagedChannel managed =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toAbsolutePath().toString()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            // grpc sets TCP keepalive, which a unix socket does not have (netty warns per connect)
            .withOption(ChannelOption.SO_KEEPALIVE, null)
            .usePlaintext()
            // A socket path is no :authority; send what containerd's Go client sends over a socket.
            .overrideAuthority("localhost")
            .maxInboundMessageSize(MAX_MESSAGE_SIZE)
            .build();
    return over(managed, group, options);
  }

  /** A connection over a channel made elsewhere (e.g. in-process, for tests); closing it closes the channel. */
  public static ContainerdConnection over(ManagedChannel channel, ConnectionOptions options) {
    return over(channel, null, options);
  }

  private static ContainerdConnection over(ManagedChannel channel, EventLoopGroup group, ConnectionOptions options) {
    Channel deadlined = ClientInterceptors.intercept(channel, new DeadlineInterceptor(options.callTimeout()));
    return new ContainerdConnection(channel, group, deadlined, options, null);
  }

  @Override
  public ContainerdConnection withLease(String lease) {
    return new ContainerdConnection(null, null, deadlined, options, lease);
  }

  /** A view of the same channel in another namespace (keeping this view's lease). */
  public ContainerdConnection withNamespace(String namespace) {
    return new ContainerdConnection(null, null, deadlined, options.withNamespace(namespace), leaseId);
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

  @Override
  public boolean isServing() {
    try {
      return HealthCheck.check(channel, options.callTimeout()) == HealthCheck.SERVING;
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
    } finally {
      if (eventLoop != null) {
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    }
  }
}
