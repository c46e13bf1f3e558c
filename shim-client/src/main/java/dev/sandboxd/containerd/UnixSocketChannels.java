package dev.sandboxd.containerd;

import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
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
import java.util.concurrent.TimeUnit;

/** Plaintext gRPC channels over unix domain sockets (containerd's, sandboxd's own). */
public final class UnixSocketChannels {
  private UnixSocketChannels() {}

  /**
   * A channel to the socket, connected lazily, with its own single epoll thread that stops when
   * the channel is shut down.
   */
  public static ManagedChannel open(Path socket, String threadName, int maxInboundMessageSize) {
    if (!Epoll.isAvailable()) {
      throw SandboxdException.internal("epoll transport unavailable", Epoll.unavailabilityCause());
    }
    // Netty 4.2's form of an EpollEventLoopGroup: one epoll thread is plenty for one socket.
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true), EpollIoHandler.newFactory());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toAbsolutePath().toString()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            // grpc sets TCP keepalive, which a unix socket does not have (netty warns per connect)
            .withOption(ChannelOption.SO_KEEPALIVE, null)
            .usePlaintext()
            // A socket path is no :authority; send what containerd's Go client sends over a socket.
            .overrideAuthority("localhost")
            .maxInboundMessageSize(maxInboundMessageSize)
            .build();
    return new OwningChannel(channel, group);
  }

  /** Shuts its event loop down together with the channel. */
  private static final class OwningChannel extends ManagedChannel {
    private final ManagedChannel delegate;
    private final EventLoopGroup group;

    OwningChannel(ManagedChannel delegate, EventLoopGroup group) {
      this.delegate = delegate;
      this.group = group;
    }

    @Override
    public ManagedChannel shutdown() {
      delegate.shutdown();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      return this;
    }

    @Override
    public ManagedChannel shutdownNow() {
      delegate.shutdownNow();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      return this;
    }

    @Override
    public boolean isShutdown() {
      return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return delegate.awaitTermination(timeout, unit);
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
      return delegate.newCall(method, options);
    }

    @Override
    public String authority() {
      return delegate.authority();
    }

    @Override
    public void resetConnectBackoff() {
      delegate.resetConnectBackoff();
    }

    @Override
    public ConnectivityState getState(boolean requestConnection) {
      return delegate.getState(requestConnection);
    }

    @Override
    public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
      delegate.notifyWhenStateChanged(source, callback);
    }

    @Override
    public void enterIdle() {
      delegate.enterIdle();
    }
  }
}
