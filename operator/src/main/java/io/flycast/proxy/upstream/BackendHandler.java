package io.flycast.proxy.upstream;

import io.flycast.proxy.ConnectionErrors;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of a pooled backend HTTP connection: passes responses to the exchange that has the
 * connection checked out. A connection sitting idle in the pool has no listener; anything it
 * receives then is unexpected and closes it, as does the pool's idle timeout.
 */
public final class BackendHandler extends ChannelInboundHandlerAdapter {
  public static final String NAME = "backend";

  /** The exchange using the connection. */
  public interface Listener {
    void backendMessage(HttpObject msg);

    /** The end of one read from the backend socket: what it produced can be flushed now. */
    void backendReadComplete();

    void backendClosed();
  }

  private final ConnectionErrors errors;
  private Listener listener;

  /**
   * Taken from an idle pool, where the backend may have closed it meanwhile: a failure on it says
   * nothing about the backend. Fields here rather than channel attributes: this is read and written
   * on every request.
   */
  private boolean reused;

  /** Belongs to one client connection ({@link ClientBoundBackends}), not to the shared pool. */
  private boolean clientBound;

  public BackendHandler(ConnectionErrors errors) {
    this.errors = errors;
  }

  public static BackendHandler of(Channel ch) {
    return ch.pipeline().get(BackendHandler.class);
  }

  public void attach(Listener l) {
    listener = l;
  }

  public void detach() {
    listener = null;
  }

  void markReused() {
    reused = true;
  }

  public boolean reused() {
    return reused;
  }

  void markClientBound() {
    clientBound = true;
  }

  boolean clientBound() {
    return clientBound;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Listener l = listener;
    if (l != null && msg instanceof HttpObject http) {
      l.backendMessage(http);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Listener l = listener;
    if (l != null) {
      l.backendReadComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Listener l = listener;
    listener = null;
    if (l != null) {
      l.backendClosed();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && listener == null) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The listener hears about it through channelInactive.
    errors.close(ctx, cause, ConnectionErrors.Kind.BACKEND_HTTP, null);
  }
}
