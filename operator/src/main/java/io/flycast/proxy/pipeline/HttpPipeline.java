package io.flycast.proxy.pipeline;

import io.flycast.proxy.IdleTimeout;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.http.HttpProxyHandler;
import io.flycast.proxy.http.RouteResolver;
import io.flycast.proxy.http.ServerCodec;
import io.flycast.proxy.tls.TlsHandlers;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;

/**
 * Builds the client-side HTTP pipeline: idle timeout, codec, proxy handler. Behind TLS the protocol
 * is known only after the handshake, so {@link AlpnHttpSwitch} builds the rest then: HTTP/2 when
 * ALPN chose {@code h2}, else HTTP/1.1.
 */
final class HttpPipeline {
  static final String IDLE = "idle";

  private HttpPipeline() {}

  static void addHttpHandlers(
      ChannelPipeline p, ProxyContext px, RouteResolver resolver, Duration idleTimeout) {
    addIdleHandlers(p, idleTimeout);
    if (p.get(TlsHandlers.SNI) == null) {
      addHttp1Handlers(p, px, resolver);
      return;
    }
    p.addLast(
        AlpnHttpSwitch.NAME,
        new AlpnHttpSwitch(
            px.metrics(),
            px.errors(),
            () -> {
              addHttp1Handlers(p, px, resolver);
              // Added to an active channel, the handler missed channelActive, where it starts
              // reading.
              // Called now, before the negotiation handler passes on what it buffered.
              HttpProxyHandler h = (HttpProxyHandler) p.get(HttpProxyHandler.NAME);
              h.channelActive(p.context(h));
            },
            () -> Http2ServerPipeline.addHttp2Handlers(p, px, resolver)));
  }

  private static void addHttp1Handlers(ChannelPipeline p, ProxyContext px, RouteResolver resolver) {
    addCodecHandlers(p, px.config());
    p.addLast(HttpProxyHandler.NAME, new HttpProxyHandler(px, resolver));
  }

  private static void addIdleHandlers(ChannelPipeline p, Duration idleTimeout) {
    if (idleTimeout != null && !idleTimeout.isZero()) {
      p.addLast(IDLE, new IdleTimeout(idleTimeout));
    }
  }

  private static void addCodecHandlers(ChannelPipeline p, ProxyConfig config) {
    p.addLast(
        ServerCodec.NAME, new ServerCodec(config.maxInitialLineLength(), config.maxHeaderSize()));
  }
}
