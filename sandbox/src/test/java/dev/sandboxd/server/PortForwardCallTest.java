package dev.sandboxd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.PortForwardRequest;
import dev.sandboxd.api.v1.PortForwardResponse;
import dev.sandboxd.cgroup.QosClass;
import dev.sandboxd.lifecycle.PodPhase;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.lifecycle.SandboxStatus;
import dev.sandboxd.lifecycle.UnsupportedPodLifecycle;
import dev.sandboxd.pod.PodManifests;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * port-forward's two half-closes: the client's end of input reaches the pod's server as EOF, and
 * the answer it then sends (and its close) reach the client; bad requests and stopped pods are refused.
 */
class PortForwardCallTest {
  private ServerSocket podServer;
  private Server server;
  private ManagedChannel channel;
  private final List<Long> dialledPids = new java.util.concurrent.CopyOnWriteArrayList<>();
  private SandboxStatus.State sandboxState = SandboxStatus.State.Ready;
  private volatile boolean hostNetwork;

  @BeforeEach
  void start() throws Exception {
    // The pod's server: reads a request to EOF, answers with its length, closes.
    podServer = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    Thread pod = new Thread(() -> {
      while (true) {
        try (Socket s = podServer.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
          int n = in.readAllBytes().length;
          out.write(("read " + n + " bytes").getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
          return;
        }
      }
    });
    pod.setDaemon(true);
    pod.start();
    PodsService service = new PodsService(new UnsupportedPodLifecycle() {
      @Override
      public PodStatus inspect(String podRef) {
        return new PodStatus(PodManifests.withRandomUids().parse("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              hostNetwork: %s
              containers: [{name: app, image: busybox}]
            """.formatted(hostNetwork), false).pod(), Instant.EPOCH, PodPhase.Running,
            new SandboxStatus("sb", sandboxState, 4242, "", "", Instant.EPOCH), List.of(), List.of(), QosClass.BestEffort, false, List.of(), List.of(), "");
      }
    }, (pid, port) -> {
      dialledPids.add(pid);
      try {
        return SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), podServer.getLocalPort()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, java.util.Optional::empty, Executors.newCachedThreadPool());
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    server.shutdownNow();
    podServer.close();
  }

  @Test
  void theClientsHalfCloseIsThePodsEofAndThePodsAnswerAndCloseComeBack() throws Exception {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PortForwardRequest> requests = PodsGrpc.newStub(channel).portForward(observer(received, done));
    requests.onNext(PortForwardRequest.newBuilder().setPod(PodRef.newBuilder().setRef("web")).setPort(8080)
        .setData(ByteString.copyFromUtf8("GET / ")).build());
    requests.onNext(PortForwardRequest.newBuilder().setData(ByteString.copyFromUtf8("HTTP/1.0\r\n\r\n")).build());
    requests.onCompleted();
    done.get(20, TimeUnit.SECONDS);
    assertEquals("read 18 bytes", received.toString(StandardCharsets.UTF_8));
    assertEquals(List.of(4242L), dialledPids, "dialled in the namespace of the pod's pause process");
  }

  @Test
  void badPortsAndStoppedPodsAreRefusedNamingWhy() throws Exception {
    assertFails(PortForwardRequest.newBuilder().setPod(PodRef.newBuilder().setRef("web")).setPort(0).build(),
        Status.Code.INVALID_ARGUMENT, "port: must be between 1 and 65535, was 0");
    assertFails(PortForwardRequest.newBuilder().setPort(80).build(), Status.Code.INVALID_ARGUMENT, "pod: must not be empty");
    sandboxState = SandboxStatus.State.Stopped;
    assertFails(PortForwardRequest.newBuilder().setPod(PodRef.newBuilder().setRef("web")).setPort(80).build(),
        Status.Code.FAILED_PRECONDITION, "pod web is not running");
    assertEquals(List.of(), dialledPids);
  }

  /** A hostNetwork pod's loopback is the node's: a forward there would reach node-local services (found in review). */
  @Test
  void hostNetworkPodsAreRefused() throws Exception {
    hostNetwork = true;
    assertFails(PortForwardRequest.newBuilder().setPod(PodRef.newBuilder().setRef("web")).setPort(2379).build(),
        Status.Code.FAILED_PRECONDITION, "pod web uses the node's network");
    assertEquals(List.of(), dialledPids);
  }

  private void assertFails(PortForwardRequest first, Status.Code code, String message) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PortForwardRequest> requests = PodsGrpc.newStub(channel).portForward(observer(new ByteArrayOutputStream(), done));
    requests.onNext(first);
    try {
      done.get(20, TimeUnit.SECONDS);
      throw new AssertionError("port-forward was not refused");
    } catch (java.util.concurrent.ExecutionException e) {
      StatusRuntimeException s = (StatusRuntimeException) e.getCause();
      assertEquals(code, s.getStatus().getCode());
      assertTrue(s.getStatus().getDescription().startsWith(message), s.getStatus().getDescription());
    }
  }

  private static StreamObserver<PortForwardResponse> observer(ByteArrayOutputStream received, CompletableFuture<Void> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(PortForwardResponse value) {
        received.writeBytes(value.getData().toByteArray());
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
  }
}
