package dev.sandboxd.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;

/** A plaintext gRPC channel over a unix domain socket. */
final class UnixSocketChannels {
  private UnixSocketChannels() {}

  static ManagedChannel forPath(Path socket) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(new EpollEventLoopGroup(1))
        .channelType(EpollDomainSocketChannel.class)
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
  }
}
