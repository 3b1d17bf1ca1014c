package io.flycast.proxy;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/** Sets up a connection to the shared HTTP listener, which routes each request by Host. */
@Sharable
final class SharedHttpInitializer extends ChannelInitializer<SocketChannel> {
  private final ProxyContext px;
  private final RouteResolver byHost = RouteResolver.byHost();

  SharedHttpInitializer(ProxyContext px) {
    this.px = px;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ClientChannels.track(px, ch, "http");
    HttpPipeline.addHttpHandlers(ch.pipeline(), px, byHost, px.config().idleTimeout());
  }
}
