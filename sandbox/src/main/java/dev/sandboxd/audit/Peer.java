package dev.sandboxd.audit;

import io.grpc.Attributes;

/** Who is at the other end of an API connection: SO_PEERCRED of the unix socket, taken at connect. */
public record Peer(int pid, int uid, int gid) {

  /** The transport attribute under which {@link PeerCredentialsNegotiator} leaves a connection's peer. */
  public static final Attributes.Key<Peer> KEY = Attributes.Key.create("sandboxd.peer");

  @Override
  public String toString() {
    return "uid=" + uid + " gid=" + gid + " pid=" + pid;
  }
}
