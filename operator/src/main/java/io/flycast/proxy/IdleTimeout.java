package io.flycast.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} when a channel has neither read nor written
 * anything for the timeout, for the handlers after it to act on, like Netty's {@code
 * IdleStateHandler(0, 0, timeout)}.
 *
 * <p>Made for the request path, where IdleStateHandler reads the clock after every read and adds a
 * listener to every write to read it again when the write completes: here activity is a field set
 * on each read and write, and a timer looks at it a few times per timeout. The price is precision:
 * an idle channel is noticed between the timeout and 5/4 of it. A write counts when it is made, not
 * when it completes; with backpressure the proxy does not write more to a socket that does not
 * drain, so a stalled peer still goes idle.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
  /** Looks per timeout: the timeout is reached after this many looks found no activity. */
  private static final int LOOKS = 4;

  private final long lookNanos;
  private boolean active;
  private int quietLooks;
  private ScheduledFuture<?> look;

  public IdleTimeout(Duration timeout) {
    this.lookNanos = Math.max(1, timeout.toNanos() / LOOKS);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
    super.channelActive(ctx);
  }

  private void start(ChannelHandlerContext ctx) {
    if (look == null) {
      look = ctx.executor().schedule(() -> look(ctx), lookNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void look(ChannelHandlerContext ctx) {
    if (!ctx.channel().isOpen()) {
      return;
    }
    if (active) {
      active = false;
      quietLooks = 0;
    } else if (++quietLooks >= LOOKS) {
      quietLooks = 0;
      ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    }
    look = ctx.executor().schedule(() -> look(ctx), lookNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    active = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    active = true;
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stop();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }

  private void stop() {
    if (look != null) {
      look.cancel(false);
      look = null;
    }
  }
}
