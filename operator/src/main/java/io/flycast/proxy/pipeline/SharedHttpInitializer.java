package io.flycast.proxy.pipeline;

import io.flycast.proxy.ClientChannels;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.http.RouteResolver;
import io.flycast.proxy.tls.TlsHandlers;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/** Sets up a connection to a shared HTTP(S) listener, which routes each request by Host. */
@Sharable
public final class SharedHttpInitializer extends ChannelInitializer<SocketChannel> {
  private final ProxyContext px;
  private final RouteResolver byHost = RouteResolver.byHost();

  private final boolean tls;

  public SharedHttpInitializer(ProxyContext px, boolean tls) {
    this.px = px;
    this.tls = tls;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ClientChannels.track(px, ch, tls ? "https" : "http");
    if (tls) {
      TlsHandlers.addSharedTlsHandlers(ch.pipeline(), px);
    }
    HttpPipeline.addHttpHandlers(ch.pipeline(), px, byHost, px.config().idleTimeout());
  }
}
