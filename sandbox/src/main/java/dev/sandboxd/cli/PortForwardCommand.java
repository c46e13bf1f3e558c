package dev.sandboxd.cli;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.PortForwardRequest;
import dev.sandboxd.api.v1.PortForwardResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "port-forward",
    description = "Forwards local ports (on 127.0.0.1 only) to ports on a pod's loopback, until interrupted.")
final class PortForwardCommand implements Callable<Integer> {
  private static final Pattern PORTS = Pattern.compile("(?:(\\d{1,5})?:)?(\\d{1,5})");
  private static final int CHUNK_BYTES = 32 * 1024;

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "[LOCAL]:REMOTE",
      description = "REMOTE (the same port here), LOCAL:REMOTE, or :REMOTE (any free local port)")
  List<String> mappings;

  /** One forwarded port: local 0 means any free one. */
  record Mapping(int local, int remote) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<Mapping> parsed = new ArrayList<>();
    for (String m : mappings) {
      parsed.add(parse(spec, m));
    }
    PrintWriter out = spec.commandLine().getOut();
    List<Thread> acceptors = new ArrayList<>();
    for (Mapping m : parsed) {
      // Loopback only: a forwarded port is as privileged as exec, and must not reach the network.
      ServerSocketChannel listener = ServerSocketChannel.open()
          .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), m.local()));
      int bound = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      out.printf("Forwarding from 127.0.0.1:%d -> %d%n", bound, m.remote());
      out.flush();
      Thread acceptor = new Thread(() -> accept(listener, m.remote()), "port-forward-" + bound);
      acceptor.start();
      acceptors.add(acceptor);
    }
    for (Thread acceptor : acceptors) {
      acceptor.join();
    }
    return 0;
  }

  static Mapping parse(CommandSpec spec, String value) {
    Matcher m = PORTS.matcher(value);
    if (m.matches()) {
      int remote = Integer.parseInt(m.group(2));
      int local = m.group(1) != null ? Integer.parseInt(m.group(1)) : value.startsWith(":") ? 0 : remote;
      if (remote >= 1 && remote <= 65535 && local <= 65535) {
        return new Mapping(local, remote);
      }
    }
    throw new ParameterException(spec.commandLine(),
        "[LOCAL]:REMOTE: \"" + value + "\" is not REMOTE, LOCAL:REMOTE or :REMOTE with ports 1-65535 (LOCAL 0: any)");
  }

  private void accept(ServerSocketChannel listener, int remote) {
    while (true) {
      SocketChannel connection;
      try {
        connection = listener.accept();
      } catch (IOException e) {
        spec.commandLine().getErr().println("sandboxctl: port-forward: " + e.getMessage());
        return;
      }
      Thread t = new Thread(() -> forward(connection, remote), "port-forward-connection");
      t.setDaemon(true);
      t.start();
    }
  }

  /** One connection over one PortForward call; both directions end cleanly, then the socket closes. */
  private void forward(SocketChannel connection, int remote) {
    CountDownLatch podSideDone = new CountDownLatch(1);
    AtomicReference<ClientCallStreamObserver<PortForwardRequest>> call = new AtomicReference<>();
    ClientResponseObserver<PortForwardRequest, PortForwardResponse> responses = new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<PortForwardRequest> requests) {
        call.set(requests);
      }

      @Override
      public void onNext(PortForwardResponse value) {
        try {
          ByteBuffer data = value.getData().asReadOnlyByteBuffer();
          while (data.hasRemaining()) {
            connection.write(data);
          }
        } catch (IOException e) {
          call.get().cancel("the local connection closed", e);
        }
      }

      @Override
      public void onError(Throwable t) {
        spec.commandLine().getErr().println("sandboxctl: port-forward to " + remote + ": " + Sandboxctl.describe(t, root.socket()));
        podSideDone.countDown();
      }

      @Override
      public void onCompleted() {
        // The pod's end closed: so does ours, after what it sent.
        try {
          connection.shutdownOutput();
        } catch (IOException ignored) {
          // closed already
        }
        podSideDone.countDown();
      }
    };
    PodsGrpc.newStub(root.channel()).portForward(responses);
    try {
      call.get().onNext(PortForwardRequest.newBuilder().setPod(PodRef.newBuilder().setRef(pod)).setPort(remote).build());
      ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES);
      while (connection.read(buffer) >= 0 && podSideDone.getCount() > 0) {
        buffer.flip();
        synchronized (call.get()) {
          while (!call.get().isReady() && podSideDone.getCount() > 0) {
            call.get().wait(10); // flow control: read no faster than sandboxd takes it
          }
        }
        call.get().onNext(PortForwardRequest.newBuilder().setData(ByteString.copyFrom(buffer)).build());
        buffer.clear();
      }
      // Our side is done sending: the pod's end reads EOF and may still answer.
      call.get().onCompleted();
      podSideDone.await();
    } catch (IOException | RuntimeException e) {
      call.get().cancel("the local connection failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.get().cancel("interrupted", e);
    } finally {
      try {
        connection.close();
      } catch (IOException ignored) {
        // nothing left to release
      }
    }
  }
}
