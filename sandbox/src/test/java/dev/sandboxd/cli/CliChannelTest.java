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
import java.util.List;
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
  void aRequestLargerThanTheServersWindowIsSentWhole() {
    String manifest = "m".repeat(3_000_000); // grpc-java's server grants 1 MiB at a time

    RunPodResponse answer = pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build());

    assertEquals(manifest, received.get());
    assertEquals("3000000", answer.getPod().getMetadata().getUid());
  }

  @Test
  void aRequestTheServerRefusesMidwayGetsItsAnswer() {
    String manifest = "m".repeat(6_000_000); // over grpc-java's default 4 MiB limit: refused while sent

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build()));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
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
    long start = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> PodsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(300, TimeUnit.MILLISECONDS).runPod(RunPodRequest.newBuilder().setManifest("slow").build()));

    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(tookMillis < 2500, "ended by the deadline, not by the server's answer after 3 s: " + tookMillis + " ms");
  }

  @Test
  void aServerThatNeverAnswersEndsAtTheDeadline() throws Exception {
    try (RawServer server = new RawServer(dir.resolve("mute.sock"), new byte[0])) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> PodsGrpc.newBlockingStub(server.channel())
          .withDeadlineAfter(300, TimeUnit.MILLISECONDS).listPods(ListPodsRequest.getDefaultInstance()));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    }
  }

  @Test
  void aBrokenAnswerIsInternalWithADescription() throws Exception {
    byte[] shortReset = frame(0x3, 0, 1, new byte[] {0, 1}); // RST_STREAM is 4 bytes
    byte[] endlessHeaders = new byte[0];
    for (int i = 0; i < 10; i++) { // a HEADERS block never ended, past 64 KiB
      endlessHeaders = concat(endlessHeaders, frame(i == 0 ? 0x1 : 0x9, 0, 1, new byte[16384]));
    }
    for (byte[] answer : List.of(shortReset, endlessHeaders, frame(0x5, 0x4, 1, new byte[8]))) {
      try (RawServer server = new RawServer(dir.resolve("broken.sock"), concat(frame(0x4, 0, 0, new byte[0]), answer))) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> PodsGrpc.newBlockingStub(server.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listPods(ListPodsRequest.getDefaultInstance()));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith("sandboxd's answer is not valid HTTP/2 gRPC: "),
            e.getStatus().getDescription());
      }
    }
  }

  @Test
  void timeoutsAreAtMostEightDigits() {
    assertEquals("99999999n", UnaryExchange.timeoutHeader(99_999_999L));
    assertEquals("100000u", UnaryExchange.timeoutHeader(100_000_000L));
    assertEquals("100000m", UnaryExchange.timeoutHeader(100_000_000_000L));
    assertEquals("100000S", UnaryExchange.timeoutHeader(TimeUnit.SECONDS.toNanos(100_000)));
    assertEquals("99999999S", UnaryExchange.timeoutHeader(Long.MAX_VALUE));
  }

  @Test
  void huffmanCodedHeadersAreRead() {
    // RFC 7541 C.4.1: :method GET, :scheme http, :path /, :authority www.example.com (Huffman)
    byte[] block = {(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x41, (byte) 0x8c, (byte) 0xf1, (byte) 0xe3, (byte) 0xc2,
        (byte) 0xe5, (byte) 0xf2, 0x3a, 0x6b, (byte) 0xa0, (byte) 0xab, (byte) 0x90, (byte) 0xf4, (byte) 0xff};
    assertEquals(List.of(new Hpack.Header(":method", "GET"), new Hpack.Header(":scheme", "http"),
        new Hpack.Header(":path", "/"), new Hpack.Header(":authority", "www.example.com")),
        Hpack.decode(java.nio.ByteBuffer.wrap(block)));
    byte[] badPadding = {0x41, (byte) 0x81, 0x00}; // a Huffman string padded with zeros, not EOS's ones
    assertThrows(Hpack.HpackException.class, () -> Hpack.decode(java.nio.ByteBuffer.wrap(badPadding)));
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    return java.nio.ByteBuffer.allocate(9 + payload.length)
        .put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length)
        .put((byte) type).put((byte) flags).putInt(stream).put(payload).array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A server on a unix socket that reads whatever comes and writes the given bytes once. */
  private static final class RawServer implements AutoCloseable {
    private final java.nio.channels.ServerSocketChannel server;
    private final Path socket;
    private final Thread thread;

    RawServer(Path socket, byte[] answer) throws java.io.IOException {
      java.nio.file.Files.deleteIfExists(socket);
      this.socket = socket;
      server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
      server.bind(java.net.UnixDomainSocketAddress.of(socket));
      thread = new Thread(() -> {
        try (java.nio.channels.SocketChannel client = server.accept()) {
          client.write(java.nio.ByteBuffer.wrap(answer));
          java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(65536);
          while (client.read(sink) >= 0) {
            sink.clear();
          }
        } catch (java.io.IOException closed) {
          // the test is over
        }
      });
      thread.setDaemon(true);
      thread.start();
    }

    CliChannel channel() {
      return new CliChannel(socket, 1 << 20, () -> {
        throw new AssertionError("no stream channel for a unary call");
      });
    }

    @Override
    public void close() throws Exception {
      server.close();
      thread.join(5000);
    }
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
    assertEquals(61, Hpack.STATIC_TABLE.length);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
