package dev.sandboxd.cli;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A sandboxd of a test's own on a unix socket, serving the Pods service the test gives, and sandboxctl against it. */
final class FakeSandboxd implements AutoCloseable {
  private final Path socket;
  private final MultiThreadIoEventLoopGroup loop;
  private final Server server;

  /** What sandboxctl printed and how it exited. */
  record Result(int code, String out, String err) {}

  FakeSandboxd(Path dir, BindableService pods) throws IOException {
    socket = dir.resolve("sandboxd.sock");
    loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loop)
        .workerEventLoopGroup(loop)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null) // unix sockets have none (netty would warn)
        .addService(pods)
        .build()
        .start();
  }

  Path socket() {
    return socket;
  }

  Result sandboxctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--address";
    all[1] = socket.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int code = Sandboxctl.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  /** Stops serving at once: calls in progress fail, as when sandboxd goes away. */
  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination();
    loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync(); // no quiet period: the server is down already
  }
}
