package io.flycast.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Gives each request a deadline for its head: from the moment the connection opens (for the first
 * request) or from the first byte (for the next ones on a keep-alive connection) to the end of its
 * headers. A slowloris client sends a byte now and then, which resets any read or idle timeout;
 * this one it cannot reset. Keep-alive connections waiting for their next request are not on the
 * clock (the idle timeout is for them).
 *
 * <p>Two handlers share the state of one connection: {@link #bytes()} sits before the HTTP
 * decoder and sees the connection open and bytes arrive, {@link #heads()} sits after it and sees
 * the head complete. Both run on the connection's event loop.
 */
final class RequestHeadTimeout {
  private final long timeoutNanos;
  private final Consumer<ChannelHandlerContext> onTimeout;
  private ScheduledFuture<?> deadline;
  private ChannelHandlerContext headsCtx;
  /** Between a request's head and its last content: bytes now are its body, not a new head. */
  private boolean inRequest;

  /**
   * @param onTimeout answers and closes; called with the context of {@link #heads()}, so it can
   *     write an HTTP response through the encoder
   */
  RequestHeadTimeout(Duration timeout, Consumer<ChannelHandlerContext> onTimeout) {
    this.timeoutNanos = timeout.toNanos();
    this.onTimeout = onTimeout;
  }

  /**
   * Before the decoder: starts the clock when the connection opens, and when bytes arrive and no
   * request is in progress.
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
        if (msg instanceof ByteBuf buf && buf.isReadable() && !inRequest && deadline == null) {
          start(ctx);
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

  /** After the decoder: stops the clock when a head is complete. */
  ChannelHandler heads() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        headsCtx = ctx;
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
          stop();
          inRequest = true;
        }
        if (msg instanceof LastHttpContent) {
          inRequest = false; // the next byte begins the next head
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
    if (headsCtx != null && headsCtx.channel().isActive()) {
      onTimeout.accept(headsCtx);
    }
  }
}
