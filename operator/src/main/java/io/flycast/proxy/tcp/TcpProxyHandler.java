package io.flycast.proxy.tcp;

import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.proxy.Channels;
import io.flycast.proxy.ConnectionErrors;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.upstream.BackendDialer;
import io.flycast.proxy.upstream.ProxyProtocolHeader;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw TCP for a port without the http handler: connects the client to a backend and relays bytes
 * both ways (see {@link RelayHandler}). The backend's unit of work is the connection: its lease is
 * released when the client connection closes. With {@link Handler#PROXY_PROTO}, a PROXY protocol
 * header with the client's address precedes the first bytes to the backend.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);
  public static final String NAME = "tcp-proxy";
  public static final String RELAY = "relay";

  private final ProxyContext px;
  private final Route route;
  private final PortSpec port;
  private final List<Object> early = new ArrayList<>();
  private boolean inputShutdown;

  /** Dialing the backend; cancelled if the client leaves first (e.g. while queued for a slot). */
  private BackendDialer dialer;

  public TcpProxyHandler(ProxyContext px, Route route, PortSpec port) {
    this.px = px;
    this.route = route;
    this.port = port;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    Channel client = ctx.channel();
    dialer =
        BackendDialer.dial(
            px,
            route,
            new java.util.HashSet<>(),
            port::serves,
            lease -> connect(client, lease),
            new BackendDialer.Callback() {
              @Override
              public void connected(Lease lease, Channel backend) {
                client.closeFuture().addListener(f -> lease.release());
                if (!client.isActive()) {
                  backend.close();
                  return;
                }
                sendProxyHeader(client, backend);
                ctx.pipeline()
                    .replace(
                        TcpProxyHandler.this,
                        RELAY,
                        new RelayHandler(backend, px.errors(), route.key()));
                // Each side starts reading; from here each reads again only after its data was
                // written.
                backend.read();
                flushEarly(client, backend);
              }

              @Override
              public void failed(ProxyMetrics.Unavailable reason, String detail) {
                px.metrics().unavailable(route.key(), reason);
                log.debug(
                    "no backend for {} on port {}: {} {}",
                    route.key(),
                    port.port(),
                    reason,
                    detail == null ? "" : detail);
                client.close();
              }
            },
            client.eventLoop());
    ctx.fireChannelActive();
  }

  private io.netty.util.concurrent.Future<Channel> connect(Channel client, Lease lease) {
    boolean proxyProto = port.has(Handler.PROXY_PROTO);
    ChannelInitializer<Channel> init =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            if (proxyProto) {
              ch.pipeline().addLast(ProxyProtocolHeader.NAME, HAProxyMessageEncoder.INSTANCE);
            }
            ch.pipeline().addLast(RELAY, new RelayHandler(client, px.errors(), route.key()));
          }
        };
    return Channels.connected(
        px.backendBootstrap(client.eventLoop(), init, true)
            .connect(
                new InetSocketAddress(
                    lease.backend().address(), port.targetPort(lease.backend()))));
  }

  /**
   * Sends what the client sent while the backend was being dialed. Native transports read a peer's
   * FIN (and the data before it) even with no read pending, so this can be the whole request, FIN
   * included.
   */
  private void flushEarly(Channel client, Channel backend) {
    if (early.isEmpty() && !inputShutdown) {
      client.read();
      return;
    }
    ChannelFuture last = backend.newSucceededFuture();
    for (Object msg : early) {
      last = backend.write(msg);
    }
    early.clear();
    backend.flush();
    boolean shut = inputShutdown;
    last.addListener(
        f -> {
          if (!f.isSuccess()) {
            client.close();
          } else if (shut) {
            client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
          } else {
            client.read();
          }
        });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    early.add(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputShutdown = true;
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (dialer != null) {
      dialer.cancel();
    }
    early.forEach(ReferenceCountUtil::release);
    early.clear();
    ctx.fireChannelInactive();
  }

  private void sendProxyHeader(Channel client, Channel backend) {
    if (!port.has(Handler.PROXY_PROTO)) {
      return;
    }
    HAProxyMessage header =
        ProxyProtocolHeader.proxyHeader(
            port.proxyProto(), client.remoteAddress(), client.localAddress());
    backend.writeAndFlush(header);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    px.errors().close(ctx, cause, ConnectionErrors.Kind.CLIENT_TCP, route.key());
  }
}
