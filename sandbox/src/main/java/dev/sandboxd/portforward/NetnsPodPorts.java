package dev.sandboxd.portforward;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.probe.NetnsExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Dials from inside the pod's network namespace, in-process: a socket belongs to the namespace
 * of the thread that created it, for its whole life, so a fresh thread setns(2)s into the pod's
 * namespace, connects, and dies; the connected channel then serves from sandboxd's ordinary
 * threads. No thread that left the host's namespace is reused, and no helper process
 * (nsenter + a relay) has to be started, supervised and reaped per connection.
 */
public final class NetnsPodPorts implements PodPorts {
  /** Loopback answers or refuses at once; this only bounds a namespace switch that hangs. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final NetnsExecutor netns;

  public NetnsPodPorts(NetnsExecutor netns) {
    this.netns = netns;
  }

  @Override
  public SocketChannel connect(long pausePid, int port) {
    try {
      return netns.call(pausePid, CONNECT_TIMEOUT,
          () -> SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw SandboxdException.failedPrecondition(
            "port-forward: cannot connect to 127.0.0.1:%d in the pod's network namespace: %s", port, io.getMessage());
      }
      throw SandboxdException.internal("port-forward: entering the pod's network namespace: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw SandboxdException.deadlineExceeded(
          "port-forward: connecting to 127.0.0.1:" + port + " in the pod's network namespace took over " + CONNECT_TIMEOUT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SandboxdException.internal("port-forward: interrupted while connecting", e);
    }
  }
}
