package io.flycast.embedded;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;

/**
 * A websocket upgrade (a watch of Fabric8's informers) piped byte for byte to the mock server's own
 * port: the mock keeps serving those watches as it always has, and this connection carries nothing
 * else from then on.
 */
final class WebSocketRelay {
  private static final String ENCODER = "encoder";

  private WebSocketRelay() {}

  /** Sends {@code upgrade} (released here) to the mock and pipes both ways once connected. */
  static void start(ChannelHandlerContext ctx, FullHttpRequest upgrade, InetSocketAddress mock) {
    Channel client = ctx.channel();
    client.config().setAutoRead(false);
    new Bootstrap()
        .group(client.eventLoop())
        .channel(client.getClass())
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.config().setAutoRead(false);
                ch.pipeline().addLast(ENCODER, new HttpRequestEncoder()).addLast(new Pipe(client));
              }
            })
        .connect(mock)
        .addListener(
            (ChannelFutureListener)
                connected -> {
                  if (!connected.isSuccess()) {
                    upgrade.release();
                    client
                        .writeAndFlush(
                            new DefaultFullHttpResponse(
                                HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY))
                        .addListener(ChannelFutureListener.CLOSE);
                    return;
                  }
                  Channel mockSide = connected.channel();
                  mockSide.writeAndFlush(upgrade);
                  mockSide.pipeline().remove(ENCODER);
                  // From here on, bytes: the mock's 101 and the frames, both ways. Bytes the HTTP
                  // decoder still holds are passed on to the pipe when it is removed.
                  var pipeline = client.pipeline();
                  pipeline.replace(FrontHandler.NAME, "pipe", new Pipe(mockSide));
                  pipeline.remove(FrontHandler.AGGREGATOR);
                  pipeline.remove(FrontHandler.CODEC);
                  client.config().setAutoRead(true);
                  mockSide.config().setAutoRead(true);
                });
  }

  /** Writes what one side reads to the other; closes the other when one closes. */
  private static final class Pipe extends ChannelInboundHandlerAdapter {
    private final Channel other;

    Pipe(Channel other) {
      this.other = other;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      other.writeAndFlush(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
