package io.flycast.proxy.tcp;

import io.flycast.proxy.Channels;
import io.flycast.proxy.ConnectionErrors;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies bytes from this channel to {@code peer}, one direction of a raw relay.
 *
 * <p>Backpressure: the channel has AUTO_READ off and reads its next chunk only when the previous
 * chunk was written to the peer. Half-close: when this side finishes sending (FIN), the peer's
 * output is shut down once everything before the FIN is written; when both directions are done,
 * both channels close.
 */
public final class RelayHandler extends ChannelInboundHandlerAdapter {
  private final Channel peer;
  private final ConnectionErrors errors;

  /** For the log line on an error. */
  private final Object route;

  public RelayHandler(Channel peer, ConnectionErrors errors, Object route) {
    this.peer = peer;
    this.errors = errors;
    this.route = route;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!peer.isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    peer.writeAndFlush(msg)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                ctx.channel().read();
              } else {
                peer.close();
                ctx.close();
              }
            });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      halfClose(ctx.channel());
      return;
    }
    if (evt instanceof IdleStateEvent) {
      // An upgraded HTTP connection keeps its listener's idle timeout: nothing either way for
      // that long closes both sides, as for HTTP (and nginx's proxy_read_timeout).
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void halfClose(Channel self) {
    if (!(peer instanceof DuplexChannel duplexPeer)
        || !(self instanceof DuplexChannel duplexSelf)) {
      Channels.flushAndClose(peer);
      self.close();
      return;
    }
    // Shutting output down fails writes still queued, so shut it after the last write completes:
    // writes complete in order, so the empty write completes after everything before it.
    peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                peer.close();
                self.close();
                return;
              }
              duplexPeer
                  .shutdownOutput()
                  .addListener(
                      s -> {
                        if (duplexSelf.isOutputShutdown() || !s.isSuccess()) {
                          // Both directions finished.
                          peer.close();
                          self.close();
                        }
                      });
            });
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Channels.flushAndClose(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    errors.close(ctx, cause, ConnectionErrors.Kind.RELAY, route);
  }
}
