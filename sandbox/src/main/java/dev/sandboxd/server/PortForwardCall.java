package dev.sandboxd.server;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.PortForwardRequest;
import dev.sandboxd.api.v1.PortForwardResponse;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.lifecycle.SandboxStatus;
import dev.sandboxd.portforward.PodPorts;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;

/**
 * One port-forward call: one TCP connection to the pod's loopback. The first request names pod
 * and port; bytes then go both ways. The client's half-close shuts the connection's write side
 * (the server there reads EOF and can still answer); the pod's end closing completes the call
 * once its last bytes are sent. A cancelled call closes the connection.
 */
final class PortForwardCall implements StreamObserver<PortForwardRequest> {
  private static final int CHUNK_BYTES = 32 * 1024;
  private static final int CHUNKS_QUEUED = 4;

  private final PodLifecycle pods;
  private final PodPorts ports;
  private final Executor threads;
  private final FlowControlledSender<PortForwardResponse> sender;
  private SocketChannel connection;
  private boolean refused;

  PortForwardCall(PodLifecycle pods, PodPorts ports, Executor threads, ServerCallStreamObserver<PortForwardResponse> stream) {
    this.pods = pods;
    this.ports = ports;
    this.threads = threads;
    this.sender = new FlowControlledSender<>(stream, CHUNKS_QUEUED, this::closeConnection);
  }

  @Override
  public void onNext(PortForwardRequest request) {
    if (refused) {
      return;
    }
    if (connection == null) {
      try {
        connect(request);
      } catch (RuntimeException e) {
        refused = true;
        sender.fail(e);
        return;
      }
      threads.execute(this::podToClient);
    }
    try {
      ByteBuffer data = request.getData().asReadOnlyByteBuffer();
      while (data.hasRemaining()) {
        connection.write(data);
      }
    } catch (IOException e) {
      sender.fail(SandboxdException.unavailable("port-forward: writing to the pod's port: " + e.getMessage(), e));
    }
  }

  private void connect(PortForwardRequest request) {
    String pod = PodsService.ref(request.getPod());
    if (request.getPort() < 1 || request.getPort() > 65535) {
      throw SandboxdException.invalidArgument("port: must be between 1 and 65535, was %d", request.getPort());
    }
    PodStatus status = pods.inspect(pod);
    if (status.sandbox().state() != SandboxStatus.State.Ready || status.sandbox().pid() <= 0) {
      throw SandboxdException.failedPrecondition("pod %s is not running (its sandbox is %s)", pod, status.sandbox().state());
    }
    if (status.pod().spec().hostNetwork()) {
      // Its loopback is the node's: a forward would reach the node's localhost-only services.
      throw SandboxdException.failedPrecondition(
          "pod %s uses the node's network (hostNetwork): port-forward reaches only pods' own namespaces", pod);
    }
    synchronized (this) {
      connection = ports.connect(status.sandbox().pid(), request.getPort());
    }
  }

  /** The pod's side: what it sends, until it closes. */
  private void podToClient() {
    ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES);
    try {
      while (connection.read(buffer) >= 0) {
        buffer.flip();
        if (!sender.send(PortForwardResponse.newBuilder().setData(ByteString.copyFrom(buffer)).build())) {
          return; // the call ended: closeConnection ran
        }
        buffer.clear();
      }
      sender.complete();
    } catch (IOException e) {
      // Closed by closeConnection when the call ended, or reset by the pod's end.
      sender.fail(SandboxdException.unavailable("port-forward: reading from the pod's port: " + e.getMessage(), e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeConnection();
    }
  }

  /** The client is done sending: the pod's end reads EOF, and may still answer. */
  @Override
  public void onCompleted() {
    SocketChannel c = connection;
    if (c != null) {
      try {
        c.shutdownOutput();
      } catch (IOException e) {
        // Closed already: the call is ending anyway.
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    closeConnection();
  }

  private synchronized void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (IOException ignored) {
        // Nothing left to release.
      }
    }
  }
}
