package io.flycast.proxy;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Builds the client-side HTTP pipeline: idle timeout, codec, proxy handler. */
final class HttpPipeline {
  static final String IDLE = "idle";
  static final String CODEC = "http-codec";

  private HttpPipeline() {}

  static void addHttpHandlers(ChannelPipeline p, ProxyContext px, RouteResolver resolver, Duration idleTimeout) {
    addIdleHandlers(p, idleTimeout);
    addCodecHandlers(p, px.config());
    p.addLast(HttpProxyHandler.NAME, new HttpProxyHandler(px, resolver));
  }

  private static void addIdleHandlers(ChannelPipeline p, Duration idleTimeout) {
    if (idleTimeout != null && !idleTimeout.isZero()) {
      p.addLast(IDLE, new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
    }
  }

  private static void addCodecHandlers(ChannelPipeline p, ProxyConfig config) {
    p.addLast(CODEC, new ServerCodec(config.maxInitialLineLength(), config.maxHeaderSize()));
  }
}
