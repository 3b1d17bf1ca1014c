package io.flycast.proxy;

import io.flycast.proxy.http.HttpProxyHandler;
import io.flycast.proxy.http.ProxyExchange;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * Make HTTP/2 streams, after Netty's {@code Http2StreamFrameToHttpObjectCodec}, look like HTTP/1.1
 * connections to {@link HttpProxyHandler} and {@link ProxyExchange}: messages split the same way
 * (head, contents, last content) and no {@code x-http2-*} conversion headers.
 */
public final class Http2Adapters {
  private Http2Adapters() {}

  /**
   * Makes a stream's request look like one from an HTTP/1.1 client: drops the {@code x-http2-*}
   * headers Netty's conversion adds (stream id, scheme...), which describe the client's hop and
   * must not reach backends ({@code :authority} already became Host), and splits a whole request
   * into head and last content.
   */
  @ChannelHandler.Sharable
  public static final class StreamRequest extends ChannelInboundHandlerAdapter {
    public static final StreamRequest INSTANCE = new StreamRequest();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest req) {
        var h = req.headers();
        for (ExtensionHeaderNames n : ExtensionHeaderNames.values()) {
          h.remove(n.text());
        }
      }
      if (msg instanceof FullHttpRequest full) {
        // A request that ended with its headers: the proxy handler expects head, then last
        // content, as from an HTTP/1.1 decoder (the last content is what completes the request).
        ctx.fireChannelRead(
            new DefaultHttpRequest(
                full.protocolVersion(), full.method(), full.uri(), full.headers()));
        ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * Interim responses (100 Continue...) come from an HTTP/1.1 backend as a head and an empty last
   * content. Netty's HTTP/2 conversion wants them whole, and would end the stream on that last
   * content: so the head is sent whole and the last content dropped.
   */
  public static final class InterimResponse extends ChannelOutboundHandlerAdapter {
    private boolean dropNextLast;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof HttpResponse resp
          && !(msg instanceof FullHttpResponse)
          && resp.status().codeClass() == HttpStatusClass.INFORMATIONAL
          && resp.status().code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
        dropNextLast = true;
        ctx.write(
            new DefaultFullHttpResponse(
                resp.protocolVersion(),
                resp.status(),
                Unpooled.EMPTY_BUFFER,
                resp.headers(),
                EmptyHttpHeaders.INSTANCE),
            promise);
        return;
      }
      if (dropNextLast && msg instanceof LastHttpContent last) {
        dropNextLast = false;
        last.release();
        promise.setSuccess();
        return;
      }
      ctx.write(msg, promise);
    }
  }

  /**
   * Makes a stream's response look like one from an HTTP/1.1 backend: a response that ended with
   * its headers arrives whole, which {@link ProxyExchange} expects as head then last content; and
   * the {@code x-http2-*} headers of Netty's conversion are dropped, they are not the backend's.
   */
  @ChannelHandler.Sharable
  public static final class BackendResponse extends ChannelInboundHandlerAdapter {
    public static final BackendResponse INSTANCE = new BackendResponse();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpResponse resp) {
        for (ExtensionHeaderNames n : ExtensionHeaderNames.values()) {
          resp.headers().remove(n.text());
        }
      }
      if (msg instanceof FullHttpResponse full) {
        ctx.fireChannelRead(
            new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers()));
        ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }
}
