package io.flycast.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * HTTP/2 from clients: each stream becomes a child channel whose pipeline turns its frames into
 * HTTP/1.1-style objects for an {@link HttpProxyHandler}, so a stream is proxied exactly like a
 * request on an HTTP/1.1 connection (Fly headers, balancing, retries, fly-replay).
 *
 * <p>Backpressure: stream channels do not auto-read, as client connections do not; a stream's
 * data is consumed, and its flow-control window reopened, only when the handler reads, so a slow
 * backend slows that stream's sender. The connection itself reads freely: HTTP/2 multiplexes
 * streams over it and flow control is per stream.
 */
final class Http2ServerPipeline {
  static final String FRAME_CODEC = "h2-codec";
  static final String MULTIPLEX = "h2-multiplex";

  private Http2ServerPipeline() {}

  static void addHttp2Handlers(ChannelPipeline p, ProxyContext px, RouteResolver resolver) {
    Http2Settings settings = Http2Settings.defaultSettings()
        .maxHeaderListSize(px.config().maxHeaderSize());
    p.addLast(FRAME_CODEC, Http2FrameCodecBuilder.forServer().initialSettings(settings).build());
    p.addLast(MULTIPLEX, new Http2MultiplexHandler(new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel stream) {
        stream.config().setAutoRead(false);
        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
        stream.pipeline().addLast(Http2RequestAdapter.INSTANCE);
        stream.pipeline().addLast(HttpProxyHandler.NAME, new HttpProxyHandler(px, resolver));
      }
    }));
    p.channel().config().setAutoRead(true);
  }

  /**
   * Drops the {@code x-http2-*} headers Netty's conversion adds (stream id, scheme...): they
   * describe the client's hop, not the request, and must not reach backends. ({@code :authority}
   * already became Host in the conversion.)
   */
  @Sharable
  static final class Http2RequestAdapter extends ChannelInboundHandlerAdapter {
    static final Http2RequestAdapter INSTANCE = new Http2RequestAdapter();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest req) {
        var h = req.headers();
        for (ExtensionHeaderNames n : ExtensionHeaderNames.values()) {
          h.remove(n.text());
        }
      }
      ctx.fireChannelRead(msg);
    }
  }
}
