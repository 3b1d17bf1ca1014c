package io.flycast.embedded;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch asked for with a websocket upgrade (Fabric8's informers ask so): the handshake answered
 * with Netty's own, then the store's events streamed as text frames by {@link StreamedWatch}, with
 * the same resourceVersion, bookmark and timeout semantics as a plain HTTP watch.
 *
 * <p>These watches were once piped byte for byte to the mock's Vert.x server. Once in some twenty
 * CI runs, an informer's JDK client then read a text frame that was not UTF-8 and its informer
 * stopped; serving the frames here leaves one websocket implementation on the path, ours.
 */
final class WebSocketWatch {
  private static final Logger log = LoggerFactory.getLogger(WebSocketWatch.class);

  private WebSocketWatch() {}

  /** The upgrade's head, kept past the request's release for the handshake. */
  static FullHttpRequest head(HttpRequest upgrade) {
    return new DefaultFullHttpRequest(
        upgrade.protocolVersion(),
        upgrade.method(),
        upgrade.uri(),
        Unpooled.EMPTY_BUFFER,
        upgrade.headers().copy(),
        EmptyHttpHeaders.INSTANCE);
  }

  /**
   * Answers the handshake of {@code head} and streams the store's watch {@code response} on it.
   * Runs off the event loop: it waits for the handshake to be written.
   *
   * @param front the connection's handler, replaced by one for the client's frames
   */
  static void start(
      ChannelHandlerContext ctx,
      FrontHandler front,
      FullHttpRequest head,
      RecordedRequest request,
      MockResponse response,
      ApiFront api) {
    WebSocketServerHandshaker handshaker =
        new WebSocketServerHandshakerFactory("ws://localhost" + head.uri(), null, false)
            .newHandshaker(head);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
          .addListener(ChannelFutureListener.CLOSE);
      response.getWebSocketListener().onClosed(null, 1002, "no handshake");
      return;
    }
    var shaken = handshaker.handshake(ctx.channel(), head).awaitUninterruptibly();
    if (!shaken.isSuccess()) {
      log.debug("websocket handshake of {} failed", head.uri(), shaken.cause());
      ctx.close();
      response.getWebSocketListener().onClosed(null, 1006, "handshake failed");
      return;
    }
    ctx.pipeline().replace(front, "frames", new ClientFrames());
    StreamedWatch.start(ctx, StreamedWatch.Framing.WEBSOCKET, request, response, api);
  }

  /** What a watch's client sends on its websocket: pings, and its close. */
  private static final class ClientFrames extends SimpleChannelInboundHandler<WebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (frame instanceof CloseWebSocketFrame) {
        // The closing handshake: the client's status echoed, then the connection closed (which
        // closes the store's watch).
        ctx.writeAndFlush(new CloseWebSocketFrame(true, 0, frame.content().retain()))
            .addListener(ChannelFutureListener.CLOSE);
      } else if (frame instanceof PingWebSocketFrame) {
        ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("websocket watch connection failed", cause);
      ctx.close();
    }
  }
}
