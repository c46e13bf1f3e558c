package dev.sandboxd.cli;

import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.sandboxd.api.v1.ContainerState;
import dev.sandboxd.api.v1.ContainerStateRunning;
import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.InspectPodRequest;
import dev.sandboxd.api.v1.InspectPodResponse;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.ListPodsResponse;
import dev.sandboxd.api.v1.ObjectMeta;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodCondition;
import dev.sandboxd.api.v1.PodIP;
import dev.sandboxd.api.v1.PodStatus;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.RunPodResponse;
import dev.sandboxd.api.v1.SandboxStatus;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A stand-in sandboxd on a unix socket that answers ListPods, InspectPod and RunPod with fixed
 * pods, over the same transport as the real one: the CLI's training run (StartupTraining) talks to
 * it at build time, when no node runs. Pods: {@code web-0} to {@code web-9} in namespace default
 * and {@code kube-system/dns}.
 */
final class TrainingSandboxd implements AutoCloseable {
  static final List<String> POD_REFS =
      Stream.concat(IntStream.range(0, 10).mapToObj(i -> "web-" + i), Stream.of("kube-system/dns")).toList();

  private final MultiThreadIoEventLoopGroup loop;
  private final Server server;

  private TrainingSandboxd(MultiThreadIoEventLoopGroup loop, Server server) {
    this.loop = loop;
    this.server = server;
  }

  static TrainingSandboxd start(Path socket) throws IOException {
    MultiThreadIoEventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loop)
        .workerEventLoopGroup(loop)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null) // unix sockets have none (netty would warn)
        .addService(new Pods())
        .build()
        .start();
    return new TrainingSandboxd(loop, server);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination();
    loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
  }

  private static final class Pods extends PodsGrpc.PodsImplBase {
    @Override
    public void listPods(ListPodsRequest request, StreamObserver<ListPodsResponse> response) {
      response.onNext(ListPodsResponse.newBuilder().addAllPods(POD_REFS.stream().map(Pods::pod).toList()).build());
      response.onCompleted();
    }

    @Override
    public void inspectPod(InspectPodRequest request, StreamObserver<InspectPodResponse> response) {
      response.onNext(InspectPodResponse.newBuilder().setPod(pod(request.getPod().getRef())).build());
      response.onCompleted();
    }

    @Override
    public void runPod(RunPodRequest request, StreamObserver<RunPodResponse> response) {
      response.onNext(RunPodResponse.newBuilder().setPod(pod("default/trained")).build());
      response.onCompleted();
    }

    private static Pod pod(String ref) {
      int slash = ref.indexOf('/');
      String namespace = slash < 0 ? "default" : ref.substring(0, slash);
      String name = ref.substring(slash + 1);
      Timestamp now = Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000).build();
      return Pod.newBuilder()
          .setApiVersion("v1")
          .setKind("Pod")
          .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(namespace).setUid("uid-" + name)
              .putLabels("app", name).setCreationTimestamp(now))
          .setSpec(Struct.newBuilder().putFields("restartPolicy", Value.newBuilder().setStringValue("Always").build()))
          .setStatus(PodStatus.newBuilder()
              .setPhase("Running")
              .setQosClass("BestEffort")
              // every message type a real pod's status holds, so their parsers are archived too
              .addConditions(PodCondition.newBuilder().setType("Ready").setStatus("True"))
              .setPodIp("10.89.0.2")
              .addPodIps(PodIP.newBuilder().setIp("10.89.0.2"))
              .setHostIp("127.0.0.1")
              .setStartTime(now)
              .setSandbox(SandboxStatus.newBuilder().setId("0123456789abcdef" + name).setState("Ready").setPid(4242)
                  .setCgroupPath("/sandboxd/pod" + name).setNetnsPath("/proc/4242/ns/net").setCreatedAt(now))
              .addContainerStatuses(ContainerStatus.newBuilder().setName("app").setImage("busybox").setReady(true)
                  .setStarted(true).setPid(4243).setState(ContainerState.newBuilder()
                      .setRunning(ContainerStateRunning.newBuilder().setStartedAt(now)))))
          .build();
    }
  }
}
