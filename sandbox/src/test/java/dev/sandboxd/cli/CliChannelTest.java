package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.EventsRequest;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.ListPodsResponse;
import dev.sandboxd.api.v1.ObjectMeta;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.RunPodResponse;
import dev.sandboxd.containerd.UnixSocketChannels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sandboxctl's own unary transport against grpc-java's Netty server, as sandboxd runs it. */
class CliChannelTest {
  @TempDir Path dir;
  private FakeSandboxd sandboxd;
  private final AtomicReference<String> received = new AtomicReference<>();
  private final AtomicInteger streamChannels = new AtomicInteger();
  private CliChannel channel;

  /** A pod name that makes answers of many frames: 1,000 pods of ~300 bytes is ~300 KB. */
  private static final String LONG = "p".repeat(250);

  @BeforeEach
  void serve() throws Exception {
    sandboxd = new FakeSandboxd(dir, new PodsGrpc.PodsImplBase() {
      @Override
      public void listPods(ListPodsRequest request, StreamObserver<ListPodsResponse> answer) {
        ListPodsResponse.Builder pods = ListPodsResponse.newBuilder();
        for (int i = 0; i < 1000; i++) {
          pods.addPods(Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(LONG + i).setNamespace("default")));
        }
        answer.onNext(pods.build());
        answer.onCompleted();
      }

      @Override
      public void runPod(RunPodRequest request, StreamObserver<RunPodResponse> answer) {
        received.set(request.getManifest());
        if (request.getManifest().startsWith("fail")) {
          // a long description (Huffman-coded by the server from 512 characters), a newline and
          // non-ASCII text (percent-encoded in grpc-message)
          answer.onError(Status.INVALID_ARGUMENT.withDescription("spec.containers[0].image: " + "x".repeat(600)
              + "\nsecond line: größer als erlaubt").asRuntimeException());
          return;
        }
        if (request.getManifest().equals("slow")) {
          sleep(3000);
        }
        answer.onNext(RunPodResponse.newBuilder().setPod(Pod.newBuilder().setMetadata(
            ObjectMeta.newBuilder().setName("ran").setUid(Integer.toString(request.getManifest().length())))).build());
        answer.onCompleted();
      }

      @Override
      public void events(EventsRequest request, StreamObserver<dev.sandboxd.api.v1.Event> answer) {
        answer.onNext(dev.sandboxd.api.v1.Event.newBuilder().setReason("Started").build());
        answer.onCompleted();
      }
    });
    channel = new CliChannel(sandboxd.socket(), 64 << 20, () -> {
      streamChannels.incrementAndGet();
      return UnixSocketChannels.open(sandboxd.socket(), "test", 64 << 20);
    });
  }

  @AfterEach
  void stop() throws Exception {
    channel.close();
    sandboxd.close();
  }

  private PodsGrpc.PodsBlockingStub pods() {
    return PodsGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @Test
  void aLargeAnswerInManyFramesArrivesWhole() {
    ListPodsResponse answer = pods().listPods(ListPodsRequest.getDefaultInstance());

    assertEquals(1000, answer.getPodsCount());
    assertEquals(LONG + 999, answer.getPods(999).getMetadata().getName());
    assertEquals(0, streamChannels.get(), "a unary call made no Netty channel");
  }

  @Test
  void aRequestLargerThanTheFirstWindowIsSentWhole() {
    String manifest = "m".repeat(300_000);

    RunPodResponse answer = pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build());

    assertEquals(manifest, received.get());
    assertEquals("300000", answer.getPod().getMetadata().getUid());
  }

  @Test
  void anErrorKeepsItsCodeAndWholeDescription() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> pods().runPod(RunPodRequest.newBuilder().setManifest("fail").build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("spec.containers[0].image: " + "x".repeat(600) + "\nsecond line: größer als erlaubt",
        e.getStatus().getDescription());
  }

  @Test
  void theDeadlineHolds() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> PodsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(300, TimeUnit.MILLISECONDS).runPod(RunPodRequest.newBuilder().setManifest("slow").build()));

    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
  }

  @Test
  void noSandboxdIsUnavailableWithTheCause() {
    CliChannel nowhere = new CliChannel(dir.resolve("none.sock"), 1 << 20, () -> {
      throw new AssertionError("no stream channel for a unary call");
    });

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> PodsGrpc.newBlockingStub(nowhere).listPods(ListPodsRequest.getDefaultInstance()));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertNotNull(e.getCause(), "sandboxctl tells a connect failure by its cause");
  }

  @Test
  void streamsGoThroughGrpcJavasChannel() {
    var events = pods().events(EventsRequest.getDefaultInstance());

    assertEquals("Started", events.next().getReason());
    assertEquals(1, streamChannels.get());
  }

  @Test
  void theStaticTableIsRfc7541s() throws Exception {
    Class<?> netty = Class.forName("io.grpc.netty.shaded.io.netty.handler.codec.http2.HpackStaticTable");
    Method entry = netty.getDeclaredMethod("getEntry", int.class);
    entry.setAccessible(true);
    for (int i = 1; i <= Hpack.STATIC_TABLE.length; i++) {
      Object field = entry.invoke(null, i);
      String text = field.toString(); // Netty's HpackHeaderField prints "name: value"
      assertEquals(Hpack.STATIC_TABLE[i - 1][0] + ": " + Hpack.STATIC_TABLE[i - 1][1], text, "entry " + i);
    }
    assertTrue(Hpack.STATIC_TABLE.length == 61);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
