package io.flycast.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An h2c-only backend (HTTP/2 with prior knowledge; an HTTP/1.1 request is a protocol error to it):
 * answers each stream with the request's URI and headers ({@code name: value} lines, as Netty
 * converts them: {@code :authority} as {@code host}, the stream id as {@code x-http2-stream-id})
 * and body.
 */
final class H2cEchoBackend implements AutoCloseable {
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger streams = new AtomicInteger();

  /** Connections open now. */
  final AtomicInteger open = new AtomicInteger();

  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel server;

  H2cEchoBackend() throws InterruptedException {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    connections.incrementAndGet();
                    open.incrementAndGet();
                    ch.closeFuture().addListener(f -> open.decrementAndGet());
                    ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
                    ch.pipeline()
                        .addLast(
                            new Http2MultiplexHandler(
                                new ChannelInitializer<>() {
                                  @Override
                                  protected void initChannel(Channel stream) {
                                    streams.incrementAndGet();
                                    stream
                                        .pipeline()
                                        .addLast(new Http2StreamFrameToHttpObjectCodec(true));
                                    stream.pipeline().addLast(new HttpObjectAggregator(16 << 20));
                                    stream.pipeline().addLast(new Echo());
                                  }
                                }));
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  private static final class Echo extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      Map<String, String> sorted = new TreeMap<>();
      req.headers()
          .forEach(
              e ->
                  sorted.merge(
                      e.getKey().toLowerCase(Locale.ROOT), e.getValue(), (a, b) -> a + "," + b));
      StringBuilder sb = new StringBuilder("uri: " + req.uri() + "\n");
      sorted.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
      sb.append('\n');
      ByteBuf body = Unpooled.buffer();
      body.writeCharSequence(sb, StandardCharsets.UTF_8);
      body.writeBytes(req.content());
      var resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      resp.headers().set("x-backend", "h2c");
      ctx.writeAndFlush(resp);
    }
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}
