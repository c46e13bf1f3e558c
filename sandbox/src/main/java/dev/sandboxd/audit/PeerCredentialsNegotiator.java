package dev.sandboxd.audit;

import io.grpc.Attributes;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.IOException;

/**
 * grpc-netty's plaintext server negotiation with one step added: the peer's SO_PEERCRED, read
 * from the epoll unix-socket channel once it is active, is put into the transport attributes
 * under {@link Peer#KEY}, where every call of that connection finds it. grpc exposes no public
 * hook for this; the Internal* classes used here are the ones its own negotiators are built from.
 */
public final class PeerCredentialsNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext = InternalProtocolNegotiators.serverPlaintext();

  @Override
  public AsciiString scheme() {
    return plaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    ChannelHandler negotiated = InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler);
    return InternalProtocolNegotiators.waitUntilActiveHandler(
        new AddPeer(negotiated), grpcHandler.getNegotiationLogger());
  }

  @Override
  public void close() {
    plaintext.close();
  }

  /** Sits between "channel active" and gRPC's own handler, adds the peer to the event, then leaves. */
  private static final class AddPeer extends ChannelInboundHandlerAdapter {
    private final ChannelHandler next;

    AddPeer(ChannelHandler next) {
      this.next = next;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addAfter(ctx.name(), null, next);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event instanceof ProtocolNegotiationEvent pne) {
        Attributes.Builder attrs = InternalProtocolNegotiationEvent.getAttributes(pne).toBuilder();
        if (ctx.channel() instanceof EpollDomainSocketChannel unix) {
          try {
            PeerCredentials creds = unix.peerCredentials();
            int[] gids = creds.gids();
            attrs.set(Peer.KEY, new Peer(creds.pid(), creds.uid(), gids.length > 0 ? gids[0] : -1));
          } catch (IOException e) {
            // The peer went away already; its calls (if any) are audited without credentials.
          }
        }
        ctx.pipeline().remove(this);
        ctx.fireUserEventTriggered(InternalProtocolNegotiationEvent.withAttributes(pne, attrs.build()));
        return;
      }
      super.userEventTriggered(ctx, event);
    }
  }
}
