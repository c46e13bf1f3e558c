package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.PausePodRequest;
import dev.sandboxd.api.v1.PausePodResponse;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.UnpausePodRequest;
import dev.sandboxd.api.v1.UnpausePodResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pause and unpause are one class under two names: each name calls its own RPC and says what it did. */
class PauseCommandTest {
  @TempDir Path dir;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private MultiThreadIoEventLoopGroup loop;
  private Server server;
  private Path socket;

  @BeforeEach
  void startFakeSandboxd() throws Exception {
    socket = dir.resolve("sandboxd.sock");
    loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loop)
        .workerEventLoopGroup(loop)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null) // unix sockets have none (netty would warn)
        .addService(new PodsGrpc.PodsImplBase() {
          @Override
          public void pausePod(PausePodRequest request, StreamObserver<PausePodResponse> response) {
            calls.add("pause " + request.getPod().getRef());
            response.onNext(PausePodResponse.getDefaultInstance());
            response.onCompleted();
          }

          @Override
          public void unpausePod(UnpausePodRequest request, StreamObserver<UnpausePodResponse> response) {
            calls.add("unpause " + request.getPod().getRef());
            response.onNext(UnpausePodResponse.getDefaultInstance());
            response.onCompleted();
          }
        })
        .build()
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow().awaitTermination();
    loop.shutdownGracefully().sync();
  }

  @Test
  void pauseFreezesAndUnpauseThawsThePodNamed() {
    assertEquals("pod web paused\n", sandboxctl("pause", "web"));
    assertEquals("pod default/db unpaused\n", sandboxctl("unpause", "default/db"));
    assertEquals(List.of("pause web", "unpause default/db"), calls);
  }

  @Test
  void helpListsBothNamesWithTheirOwnDescriptionsInPlace() {
    String help = sandboxctl("--help");
    int pause = help.indexOf("  pause ");
    int unpause = help.indexOf("  unpause ");
    assertTrue(pause > help.indexOf("  stats ") && unpause > pause && help.indexOf("  image ") > unpause, help);
    assertTrue(help.contains("Freezes every process of a pod"), help);
    assertTrue(help.contains("Thaws a paused pod."), help);
  }

  private String sandboxctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--address";
    all[1] = socket.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int code = Sandboxctl.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err.toString());
    return out.toString();
  }
}
