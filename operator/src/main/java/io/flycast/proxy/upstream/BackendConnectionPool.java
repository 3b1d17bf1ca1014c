package io.flycast.proxy.upstream;

import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.flycast.proxy.Channels;
import io.flycast.proxy.IdleTimeout;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.TrustedHeaderNames;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Keep-alive HTTP/1.1 connections to backends, pooled per event loop and backend address (as Zuul's
 * {@code PerServerConnectionPool}). Each event loop has its own pool and only ever touches it from
 * its own thread, so there are no locks; a client's exchange always uses its own loop's pool, so
 * client and backend share a thread.
 *
 * <p>Connections are handed out as futures and never waited on. Idle ones are reused most recently
 * used first (the warmest, least likely to have been closed by the backend), and closed after
 * {@link ProxyConfig#poolIdleTimeout()}.
 */
public final class BackendConnectionPool {
  public static final String CODEC = "http-codec";
  public static final String IDLE = "idle";
  private static final int MAX_IDLE_PER_BACKEND = 64;

  private final ProxyContext px;
  private final Http2BackendPool h2;
  private final ClientBoundBackends clientBound;
  private final FastThreadLocal<Map<InetSocketAddress, ArrayDeque<Channel>>> idle =
      new FastThreadLocal<>() {
        @Override
        protected Map<InetSocketAddress, ArrayDeque<Channel>> initialValue() {
          return new HashMap<>();
        }
      };

  public BackendConnectionPool(ProxyContext px) {
    this.px = px;
    this.h2 = new Http2BackendPool(px);
    this.clientBound = new ClientBoundBackends(px, ch -> addBackendHandlers(ch.pipeline()));
  }

  /**
   * A backend connection for an exchange of {@code client} on {@code port}: with {@code
   * proxy_proto}, the client's own ({@link ClientBoundBackends}; HTTP/1.1 even if {@code
   * h2_backend}, as a shared h2c connection cannot carry one client's PROXY header); else an h2c
   * stream for {@code h2_backend} (not for upgrades: h2c streams carry no Upgrade); else a pooled
   * HTTP/1.1 connection.
   */
  public Future<Channel> acquire(
      Channel client, InetSocketAddress address, PortSpec port, boolean upgrade) {
    if (port.has(Handler.PROXY_PROTO)) {
      return clientBound.acquire(client, address, port.proxyProto());
    }
    return acquire(client.eventLoop(), address, port.http().h2Backend() && !upgrade);
  }

  /**
   * With {@code h2c}, a new stream on the loop's shared h2c connection to {@code address} (see
   * {@link Http2BackendPool}); else as {@link #acquire(EventLoop, InetSocketAddress)}.
   */
  Future<Channel> acquire(EventLoop loop, InetSocketAddress address, boolean h2c) {
    return h2c ? h2.acquire(loop, address) : acquire(loop, address);
  }

  /** An idle connection to {@code address}, or a new one. Call on {@code loop}. */
  Future<Channel> acquire(EventLoop loop, InetSocketAddress address) {
    assert loop.inEventLoop();
    ArrayDeque<Channel> idleHere = idle.get().get(address);
    if (idleHere != null) {
      Channel ch;
      while ((ch = idleHere.pollFirst()) != null) {
        BackendHandler handler = BackendHandler.of(ch);
        if (ch.isActive() && handler != null) {
          handler.markReused();
          return loop.newSucceededFuture(ch);
        }
      }
    }
    return Channels.connected(
        px.backendBootstrap(
                loop,
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    addBackendHandlers(ch.pipeline());
                  }
                },
                false)
            .connect(address));
  }

  private void addBackendHandlers(ChannelPipeline p) {
    HttpDecoderConfig decoder =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(px.config().maxInitialLineLength())
            .setMaxHeaderSize(px.config().maxHeaderSize())
            .setMaxChunkSize(8192)
            .setHeadersFactory(TrustedHeaderNames.HEADERS);
    p.addLast(CODEC, new HttpClientCodec(decoder, false, false));
    p.addLast(IDLE, new IdleTimeout(px.config().poolIdleTimeout()));
    p.addLast(BackendHandler.NAME, new BackendHandler(px.errors()));
  }

  /**
   * Returns a connection after an exchange. Reusable ones go back to the idle pool; others close.
   * Call on the connection's event loop.
   */
  public void release(Channel ch, boolean reusable) {
    BackendHandler handler = BackendHandler.of(ch);
    if (handler != null) {
      handler.detach();
    }
    if (handler != null && handler.clientBound()) {
      ClientBoundBackends.release(ch, reusable, px.draining());
      return;
    }
    if (ch instanceof Http2StreamChannel) {
      ch.close(); // a stream serves one exchange; its connection stays shared
      return;
    }
    if (!reusable || !ch.isActive() || px.draining() || handler == null) {
      ch.close();
      return;
    }
    InetSocketAddress address = (InetSocketAddress) ch.remoteAddress();
    ArrayDeque<Channel> idleHere = idle.get().computeIfAbsent(address, a -> new ArrayDeque<>());
    if (idleHere.size() >= MAX_IDLE_PER_BACKEND) {
      ch.close();
      return;
    }
    idleHere.addFirst(ch);
    if (!handler.reused()) {
      // First time pooled (a connection taken from the pool is marked reused): watch its close
      // once.
      ch.closeFuture().addListener(f -> idleHere.remove(ch));
    }
    // Keep a read pending so a close by the backend (or stray bytes) is noticed while idle.
    ch.read();
  }
}
