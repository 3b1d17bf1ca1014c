package io.flycast.proxy.pipeline;

import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.proxy.ClientChannels;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.http.AccessGate;
import io.flycast.proxy.http.RouteResolver;
import io.flycast.proxy.tcp.TcpProxyHandler;
import io.flycast.proxy.tls.TlsHandlers;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up a connection accepted by a dedicated listener. The listener binds a wildcard address, so
 * the route is found from the address and port the client connected to (its Flycast address); the
 * port's handlers then decide the pipeline: http, or a raw TCP relay.
 */
@Sharable
public final class DedicatedChannelInitializer extends ChannelInitializer<SocketChannel> {
  private static final Logger log = LoggerFactory.getLogger(DedicatedChannelInitializer.class);

  private final ProxyContext px;

  public DedicatedChannelInitializer(ProxyContext px) {
    this.px = px;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    InetSocketAddress local = ch.localAddress();
    Route route = px.catalog().current().routeByAddress(local.getAddress());
    PortSpec port = route == null ? null : route.spec().port(local.getPort());
    if (port == null) {
      log.debug("no route for {}; closing connection from {}", local, ch.remoteAddress());
      ch.close();
      return;
    }
    // Raw TCP is refused at accept; HTTP ports answer 403 to the first request instead.
    if (!port.has(Handler.HTTP) && !AccessGate.admits(px, ch, route)) {
      ch.close();
      return;
    }
    ClientChannels.track(px, ch, "dedicated");
    ChannelPipeline p = ch.pipeline();
    if (port.has(Handler.PG_TLS)) {
      TlsHandlers.addPgTlsHandlers(p, px, route.key(), port);
    } else if (port.has(Handler.TLS)) {
      TlsHandlers.addTlsHandlers(p, px, route.key(), port);
    }
    if (port.has(Handler.HTTP)) {
      HttpPipeline.addHttpHandlers(
          p, px, RouteResolver.fixed(route.key(), port), port.http().idleTimeout());
    } else {
      addTcpHandlers(p, route, port);
    }
  }

  private void addTcpHandlers(ChannelPipeline p, Route route, PortSpec port) {
    // A raw relay forwards FINs rather than closing on them, so clients can half-close.
    p.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    p.addLast(TcpProxyHandler.NAME, new TcpProxyHandler(px, route, port));
  }
}
