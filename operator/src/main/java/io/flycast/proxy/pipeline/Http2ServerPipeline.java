package io.flycast.proxy.pipeline;

import io.flycast.proxy.ClientChannels;
import io.flycast.proxy.ConnectionErrors;
import io.flycast.proxy.Http2Adapters;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.http.HttpProxyHandler;
import io.flycast.proxy.http.RouteResolver;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * HTTP/2 from clients: each stream becomes a child channel whose pipeline turns its frames into
 * HTTP/1.1-style objects for an {@link HttpProxyHandler}, so a stream is proxied exactly like a
 * request on an HTTP/1.1 connection (Fly headers, balancing, retries, fly-replay).
 *
 * <p>Defenses, each against a way one client could hurt the others: a stream limit that holds
 * before the client acknowledges it, a check of every request's pseudo-headers and values ({@link
 * Http2StreamCheck}), a budget of streams the server may be made to reset ({@link
 * Http2ResetBudget}) and a bound on CONTINUATION frames ({@link Http2FrameGuard}). Netty's codec
 * bounds the rest: header list size, resets received, empty DATA frames, queued control frames
 * (SETTINGS and PING floods).
 *
 * <p>Backpressure: stream channels do not auto-read, as client connections do not; a stream's data
 * is consumed, and its flow-control window reopened, only when the handler reads, so a slow backend
 * slows that stream's sender. The connection itself reads freely: HTTP/2 multiplexes streams over
 * it and flow control is per stream.
 */
public final class Http2ServerPipeline {
  static final String FRAME_CODEC = "h2-codec";
  static final String MULTIPLEX = "h2-multiplex";
  static final String CLOSE_ON_ERROR = "h2-close-on-error";

  /**
   * Streams a client may have open at once. Each can hold a backend connection, so the protocol's
   * default (unlimited) would let one client connection open any number of them.
   */
  static final int MAX_CONCURRENT_STREAMS = 128;

  private Http2ServerPipeline() {}

  static void addHttp2Handlers(ChannelPipeline p, ProxyContext px, RouteResolver resolver) {
    Http2Settings settings =
        Http2Settings.defaultSettings()
            .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
            .maxHeaderListSize(px.config().maxHeaderSize());
    Http2ResetBudget resets = new Http2ResetBudget(px.metrics(), p.channel());
    Http2FrameCodec codec =
        Http2FrameCodecBuilder.forServer().initialSettings(settings).frameLogger(resets).build();
    // The settings above apply once the client acknowledges them; a client that never does would
    // otherwise have no stream limit at all (netty/netty#7897). The limit holds from the start.
    codec.connection().remote().maxActiveStreams(MAX_CONCURRENT_STREAMS);
    p.addLast(Http2FrameGuard.NAME, new Http2FrameGuard(px.metrics()));
    p.addLast(FRAME_CODEC, codec);
    Channel connection = p.channel();
    OpenStreams open = new OpenStreams(px, connection);
    p.addLast(
        MULTIPLEX,
        new Http2MultiplexHandler(
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel stream) {
                open.opened(stream);
                stream.config().setAutoRead(false);
                stream.pipeline().addLast(new Http2StreamCheck(px.metrics(), resets));
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                stream.pipeline().addLast(Http2Adapters.StreamRequest.INSTANCE);
                stream.pipeline().addLast(new Http2Adapters.InterimResponse());
                stream
                    .pipeline()
                    .addLast(HttpProxyHandler.NAME, new HttpProxyHandler(px, resolver));
              }
            }));
    p.addLast(CLOSE_ON_ERROR, new CloseOnError(px.errors()));
    ClientChannels.busy(connection, false);
    p.channel().config().setAutoRead(true);
  }

  /**
   * Ends an HTTP/2 client connection that abused it: GOAWAY ENHANCE_YOUR_CALM with {@code why},
   * then close. NO_SHUTDOWN: the GOAWAY names the last stream the proxy took, so the client knows
   * which of its requests were not served (Netty's hard shutdown would claim all of them). On the
   * connection's event loop; does nothing once the codec is gone.
   */
  static void enhanceYourCalm(Channel connection, String why) {
    ChannelHandlerContext codec = connection.pipeline().context(Http2ConnectionHandler.class);
    if (codec != null) {
      ((Http2ConnectionHandler) codec.handler())
          .onError(
              codec,
              false,
              new Http2Exception(
                  Http2Error.ENHANCE_YOUR_CALM, why, Http2Exception.ShutdownHint.NO_SHUTDOWN));
    }
  }

  /**
   * The first GOAWAY of a graceful shutdown (RFC 9113 section 6.8): NO_ERROR with the largest
   * stream id, so the client opens no more streams here and reconnects for new requests, while
   * streams it sent before reading it, still on the wire, are served. Once per connection; on any
   * thread. Nothing for a connection that does not speak HTTP/2.
   */
  public static void goAwayGracefully(Channel connection) {
    connection
        .eventLoop()
        .execute(
            () -> {
              Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
              if (codec != null && !codec.connection().goAwaySent()) {
                // The codec adds extraStreamIds to the last stream it took, up to the largest id.
                connection.writeAndFlush(
                    new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)
                        .setExtraStreamIds(Integer.MAX_VALUE));
              }
            });
  }

  /**
   * The last GOAWAY: it names the last stream the proxy took, so the client knows that any it sent
   * later were not processed and may be sent again elsewhere. After it, the codec ignores new
   * streams. On any thread; nothing for a connection that does not speak HTTP/2.
   */
  public static void goAwayFinally(Channel connection) {
    connection.eventLoop().execute(() -> writeFinalGoAway(connection));
  }

  /** {@link #goAwayFinally}, on the connection's event loop. Sent once; later calls do nothing. */
  private static void writeFinalGoAway(Channel connection) {
    Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
    if (codec != null && connection.isActive()) {
      connection.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
    }
  }

  /**
   * Marks the connection busy while it has streams, as HTTP/1.1 connections are while they have a
   * request: a stopping proxy closes idle connections at once and waits for busy ones. While the
   * proxy is leaving, a stream opened on a connection not yet told to go tells it (a client that
   * connected after shutdown began); while draining, the connection closes (with GOAWAY, from the
   * codec) when its last stream ends. Only touched on the connection's event loop.
   */
  static final class OpenStreams {
    private final ProxyContext px;
    private final Channel connection;
    private int count;

    OpenStreams(ProxyContext px, Channel connection) {
      this.px = px;
      this.connection = connection;
    }

    void opened(Channel stream) {
      count++;
      ClientChannels.busy(connection, true);
      if (px.leaving()) {
        goAwayGracefully(connection);
      }
      stream
          .closeFuture()
          .addListener(
              f -> {
                if (--count == 0) {
                  ClientChannels.busy(connection, false);
                  if (px.draining()) {
                    // Said here too: this can run before the stopping proxy's own last GOAWAY, and
                    // the
                    // codec's close sends none after the first.
                    writeFinalGoAway(connection);
                    connection.close();
                  }
                }
              });
    }
  }

  /**
   * Last on an HTTP/2 client connection: closes on errors without a stack trace per broken peer. An
   * HTTP/2 connection error is left to the codec, which tells this handler of it before it writes
   * its GOAWAY and closes after: closing here first would send a GOAWAY with NO_ERROR instead, and
   * the client would never learn why. The idle timeout ends the connection as it does an HTTP/1.1
   * one (there the proxy handler sees the event; here it sits on the streams, which do not).
   */
  public static final class CloseOnError extends ChannelInboundHandlerAdapter {
    private final ConnectionErrors errors;

    public CloseOnError(ConnectionErrors errors) {
      this.errors = errors;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
        errors.close(ctx, cause, ConnectionErrors.Kind.CLIENT_H2, null);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }
  }
}
