package dev.sandboxd.portforward;

import java.nio.channels.SocketChannel;

/** TCP connections to ports on a pod's own loopback, for port-forward. */
public interface PodPorts {
  /**
   * Connects to 127.0.0.1:port inside the network namespace of pausePid. The channel is
   * connected when returned and may be used from any thread.
   *
   * @throws dev.sandboxd.errdefs.SandboxdException.FailedPrecondition when nothing accepts connections there
   */
  SocketChannel connect(long pausePid, int port);
}
