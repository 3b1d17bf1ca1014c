package io.flycast.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code pg_tls} handler: Postgres clients ask for TLS in-band, with an SSLRequest packet,
 * before the TLS handshake. This answers {@code S} ("go ahead"), then puts the TLS handlers in its
 * place; behind them the plaintext Postgres protocol is relayed to the backend.
 *
 * <p>A GSSAPI encryption request is declined ({@code N}); the client then asks for TLS or starts in
 * plaintext. A plaintext StartupMessage is passed through unchanged: the backend's {@code
 * pg_hba.conf} decides whether it accepts unencrypted clients.
 *
 * <p>A client has the header-read timeout to send its first request; a silent one is closed.
 *
 * <p>See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
 */
final class PgTlsHandler extends ByteToMessageDecoder {
  static final String NAME = "pg-tls";

  /** Length of SSLRequest and GSSENCRequest: an int32 length and an int32 code. */
  private static final int REQUEST_LENGTH = 8;

  /** SSLRequest code: 1234 in the high 16 bits, 5679 in the low 16 ((1234 << 16) | 5679). */
  static final int SSL_REQUEST_CODE = 80877103;

  /** GSSENCRequest code: (1234 << 16) | 5680. */
  static final int GSSENC_REQUEST_CODE = 80877104;

  private final Duration firstRequestTimeout;
  private final ChannelHandler[] tlsHandlers;
  private final String[] tlsNames;
  private ScheduledFuture<?> timer;

  /**
   * @param firstRequestTimeout how long the client has to send its first request
   * @param names and handlers: the TLS handlers to install, in order, once the client asks
   */
  PgTlsHandler(Duration firstRequestTimeout, String[] names, ChannelHandler[] handlers) {
    this.firstRequestTimeout = firstRequestTimeout;
    this.tlsNames = names;
    this.tlsHandlers = handlers;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    timer =
        ctx.executor()
            .schedule(
                () -> {
                  ctx.close(); // nothing came: a Postgres client speaks first
                },
                firstRequestTimeout.toNanos(),
                TimeUnit.NANOSECONDS);
    super.channelActive(ctx);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (timer != null) {
      timer.cancel(false); // the client spoke; TLS or the backend bounds it from here
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.readableBytes() < REQUEST_LENGTH) {
      return;
    }
    int length = in.getInt(in.readerIndex());
    int code = in.getInt(in.readerIndex() + 4);
    if (length == REQUEST_LENGTH && code == GSSENC_REQUEST_CODE) {
      in.skipBytes(REQUEST_LENGTH);
      ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
      return;
    }
    if (length == REQUEST_LENGTH && code == SSL_REQUEST_CODE) {
      in.skipBytes(REQUEST_LENGTH);
      ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
      // Add after, then remove: bytes already read past the request flow into the TLS handlers.
      String after = NAME;
      for (int i = 0; i < tlsHandlers.length; i++) {
        ctx.pipeline().addAfter(after, tlsNames[i], tlsHandlers[i]);
        after = tlsNames[i];
      }
      ctx.pipeline().remove(this);
      // With AUTO_READ off nobody else asks for the ClientHello: this decoder read last, and it
      // is gone before its read-complete could ask for more.
      ctx.channel().read();
      return;
    }
    ctx.pipeline().remove(this); // plaintext startup: pass everything through from here on
  }
}
