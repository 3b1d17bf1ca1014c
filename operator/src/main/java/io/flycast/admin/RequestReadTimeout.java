package io.flycast.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Gives each request a deadline to arrive whole: from the moment the connection opens (for the
 * first request) or from its first byte (for the next ones on a keep-alive connection) to its end.
 * Admin requests are a head and nothing more, so this is the time to send the head, and a body
 * trickled after it is on the same clock. A slowloris client sends a byte now and then, which
 * resets any read or idle timeout; this one it cannot reset. Keep-alive connections waiting for
 * their next request are not on the clock (the idle timeout is for them).
 *
 * <p>Two handlers share the state of one connection: {@link #bytes()} sits before the HTTP decoder
 * and sees the connection open and bytes arrive, {@link #requests()} sits after it and sees each
 * request end. Both run on the connection's event loop.
 */
final class RequestReadTimeout {
  private final long timeoutNanos;
  private final Consumer<ChannelHandlerContext> onTimeout;
  private ScheduledFuture<?> deadline;
  private ChannelHandlerContext requestsCtx;

  /**
   * @param onTimeout answers and closes; called with the context of {@link #requests()}, so it can
   *     write an HTTP response through the encoder
   */
  RequestReadTimeout(Duration timeout, Consumer<ChannelHandlerContext> onTimeout) {
    this.timeoutNanos = timeout.toNanos();
    this.onTimeout = onTimeout;
  }

  /**
   * Before the decoder: starts the clock when the connection opens, and when a request's first
   * bytes arrive.
   */
  ChannelHandler bytes() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && buf.isReadable() && deadline == null) {
          start(ctx); // no request on the clock: these bytes begin the next one
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
      }
    };
  }

  /** After the decoder: stops the clock when a request has arrived whole. */
  ChannelHandler requests() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        requestsCtx = ctx;
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LastHttpContent) {
          stop();
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  private void start(ChannelHandlerContext ctx) {
    deadline = ctx.executor().schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void stop() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  private void expire() {
    deadline = null;
    if (requestsCtx != null && requestsCtx.channel().isActive()) {
      onTimeout.accept(requestsCtx);
    }
  }
}
