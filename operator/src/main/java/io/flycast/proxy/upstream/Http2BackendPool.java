package io.flycast.proxy.upstream;

import io.flycast.proxy.Channels;
import io.flycast.proxy.ConnectionErrors;
import io.flycast.proxy.Http2Adapters;
import io.flycast.proxy.IdleTimeout;
import io.flycast.proxy.ProxyContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2ConnectionPrefaceAndSettingsFrameWrittenEvent;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * h2c (HTTP/2 with prior knowledge, no TLS) to backends whose port has {@code http.h2_backend}: one
 * connection per backend address per event loop, each exchange a stream on it. A stream channel
 * looks to {@code ProxyExchange} like a pooled HTTP/1.1 connection (HTTP objects in and out, a
 * {@link BackendHandler} last), so balancing, retries and fly-replay work unchanged; it is used
 * once and closed on release.
 *
 * <p>Like {@link BackendConnectionPool}, each event loop only touches its own connections, so there
 * are no locks. Streams beyond the backend's {@code MAX_CONCURRENT_STREAMS} wait in the encoder
 * until others finish. A connection that received GOAWAY takes no new streams; the next exchange
 * opens a new one.
 */
final class Http2BackendPool {
  static final String CODEC = "h2-codec";
  static final String MULTIPLEX = "h2-multiplex";

  private final ProxyContext px;
  private final FastThreadLocal<Map<InetSocketAddress, Future<Channel>>> connections =
      new FastThreadLocal<>() {
        @Override
        protected Map<InetSocketAddress, Future<Channel>> initialValue() {
          return new HashMap<>();
        }
      };

  Http2BackendPool(ProxyContext px) {
    this.px = px;
  }

  /**
   * A new stream to {@code address}, on the loop's connection to it (opened if needed). Call on
   * {@code loop}.
   */
  Future<Channel> acquire(EventLoop loop, InetSocketAddress address) {
    assert loop.inEventLoop();
    Map<InetSocketAddress, Future<Channel>> here = connections.get();
    Future<Channel> conn = here.get(address);
    if (conn == null || (conn.isDone() && !usable(conn))) {
      conn = connect(loop, address);
      here.put(address, conn);
      Future<Channel> mine = conn;
      conn.addListener(
          f -> {
            if (f.isSuccess()) {
              mine.getNow().closeFuture().addListener(c -> here.remove(address, mine));
            } else {
              here.remove(address, mine); // the next exchange dials again
            }
          });
    }
    Promise<Channel> stream = loop.newPromise();
    conn.addListener(
        f -> {
          if (!f.isSuccess()) {
            stream.setFailure(f.cause());
            return;
          }
          new Http2StreamChannelBootstrap((Channel) f.getNow())
              .handler(
                  new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                      // Read only when the exchange asks: its backpressure, and the stream's flow
                      // control.
                      ch.config().setAutoRead(false);
                      ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
                      ch.pipeline().addLast(Http2Adapters.BackendResponse.INSTANCE);
                      ch.pipeline().addLast(BackendHandler.NAME, new BackendHandler(px.errors()));
                    }
                  })
              .open()
              .addListener(
                  s -> {
                    if (s.isSuccess()) {
                      stream.setSuccess((Channel) s.getNow());
                    } else {
                      stream.setFailure(s.cause());
                    }
                  });
        });
    return stream;
  }

  private static boolean usable(Future<Channel> conn) {
    if (!conn.isSuccess()) {
      return false;
    }
    Channel ch = conn.getNow();
    Http2FrameCodec codec = ch.pipeline().get(Http2FrameCodec.class);
    return ch.isActive() && codec != null && !codec.connection().goAwayReceived();
  }

  /**
   * A connection ready for streams: connected, and the client preface written. (A connect future
   * completes before channelActive, which is when the preface is written; a stream opened on it at
   * once would precede the preface.)
   */
  private Future<Channel> connect(EventLoop loop, InetSocketAddress address) {
    Promise<Channel> ready = loop.newPromise();
    Future<Channel> connected =
        Channels.connected(
            px.backendBootstrap(
                    loop,
                    new ChannelInitializer<>() {
                      @Override
                      protected void initChannel(Channel ch) {
                        // Streams have their own flow control; the connection must always read, or
                        // no stream
                        // (nor a SETTINGS or PING) gets through.
                        ch.config().setAutoRead(true);
                        ch.pipeline()
                            .addLast(
                                CODEC,
                                Http2FrameCodecBuilder.forClient()
                                    .initialSettings(
                                        Http2Settings.defaultSettings()
                                            .pushEnabled(false)
                                            .maxHeaderListSize(px.config().maxHeaderSize()))
                                    .encoderEnforceMaxConcurrentStreams(true)
                                    .build());
                        ch.pipeline()
                            .addLast(
                                MULTIPLEX,
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        ch.pipeline().addLast(new IdleTimeout(px.config().poolIdleTimeout()));
                        ch.pipeline().addLast(new ConnectionHandler(ready, px.errors()));
                      }
                    },
                    false)
                .connect(address));
    connected.addListener(
        f -> {
          if (!f.isSuccess()) {
            ready.tryFailure(f.cause());
          }
        });
    return ready;
  }

  /**
   * Completes the connection's promise once the preface is out; closes the connection when idle for
   * the pool timeout with no stream open.
   */
  static final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private final Promise<Channel> ready;
    private final ConnectionErrors errors;

    ConnectionHandler(Promise<Channel> ready, ConnectionErrors errors) {
      this.ready = ready;
      this.errors = errors;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Http2ConnectionPrefaceAndSettingsFrameWrittenEvent) {
        ready.trySuccess(ctx.channel());
      }
      Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
      if (evt instanceof IdleStateEvent
          && codec != null
          && codec.connection().numActiveStreams() == 0) {
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // Streams hear of it as their channels close.
      errors.close(ctx, cause, ConnectionErrors.Kind.BACKEND_H2, null);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      ready.tryFailure(new java.nio.channels.ClosedChannelException());
      ctx.fireChannelInactive();
    }
  }
}
