package io.flycast.embedded;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of {@link ApiFront}: each request is answered by the dispatcher (off the
 * event loop, one at a time per connection, as HTTP/1.1 orders them); a watch is streamed by {@link
 * StreamedWatch}, on a websocket ({@link WebSocketWatch}) when the client asked for an upgrade.
 */
final class FrontHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String CODEC = "http";
  static final String AGGREGATOR = "aggregator";
  static final String NAME = "front";
  private static final Logger log = LoggerFactory.getLogger(FrontHandler.class);

  private final ApiFront front;

  FrontHandler(ApiFront front) {
    this.front = front;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    FullHttpRequest upgrade =
        request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
            ? WebSocketWatch.head(request)
            : null;
    RecordedRequest recorded = recorded(request);
    boolean keepAlive = HttpUtil.isKeepAlive(request) && upgrade == null;
    // Answered in order: no next request is read until this one's answer is written.
    ctx.channel().config().setAutoRead(false);
    front
        .blocking()
        .execute(
            () -> {
              MockResponse response;
              try {
                response = front.dispatcher().dispatch(recorded);
              } catch (RuntimeException e) {
                log.error("embedded API failed on {}", recorded.getRequestLine(), e);
                response = ApiStatus.failure(500, "InternalError", e.toString());
              }
              if (response.getWebSocketListener() == null) {
                write(ctx, response, keepAlive);
              } else if (upgrade != null) {
                WebSocketWatch.start(ctx, this, upgrade, recorded, response, front);
              } else {
                // The store answers a watch with a websocket listener: this client asked for
                // plain HTTP, so the listener's events are streamed to it as chunks.
                StreamedWatch.start(ctx, StreamedWatch.Framing.CHUNKED, recorded, response, front);
              }
            });
  }

  /** The request as the mock's dispatcher reads it. */
  private static RecordedRequest recorded(FullHttpRequest request) {
    Headers.Builder headers = Headers.builder();
    for (Map.Entry<String, String> h : request.headers()) {
      headers.add(h.getKey(), h.getValue());
    }
    byte[] body = ByteBufUtil.getBytes(request.content());
    String method = request.method().name();
    HttpMethod m;
    try {
      m = HttpMethod.valueOf(method);
    } catch (IllegalArgumentException e) {
      m = HttpMethod.ANY;
    }
    return new RecordedRequest(
        method + " " + request.uri() + " HTTP/1.1",
        m,
        request.uri(),
        headers.build(),
        body.length == 0 ? new Buffer() : new Buffer(body));
  }

  private static void write(ChannelHandlerContext ctx, MockResponse response, boolean keepAlive) {
    byte[] body = response.getBody() == null ? new byte[0] : response.getBody().getBytes();
    FullHttpResponse out =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(response.code()),
            Unpooled.wrappedBuffer(body));
    for (Map.Entry<String, List<String>> h : response.getHeaders().toMultimap().entrySet()) {
      out.headers().add(h.getKey(), h.getValue());
    }
    out.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    HttpUtil.setKeepAlive(out, keepAlive);
    var written = ctx.writeAndFlush(out);
    if (keepAlive) {
      written.addListener(f -> ctx.channel().config().setAutoRead(true));
    } else {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("embedded API connection failed", cause);
    ctx.close();
  }
}
