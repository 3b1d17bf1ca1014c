package io.flycast.proxy;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/** Bookkeeping of accepted client connections: metrics, the drain group, busy marks. */
public final class ClientChannels {
  /** Set while a client connection has work in flight; idle ones are closed first on stop. */
  static final AttributeKey<Boolean> BUSY = AttributeKey.valueOf("flycast.busy");

  private ClientChannels() {}

  public static void track(ProxyContext px, Channel ch, String listener) {
    px.clients().add(ch);
    px.metrics().connectionOpened(listener);
    ch.closeFuture().addListener(f -> px.metrics().connectionClosed());
  }

  public static void busy(Channel ch, boolean busy) {
    ch.attr(BUSY).set(busy);
  }

  static boolean isIdle(Channel ch) {
    return Boolean.FALSE.equals(ch.attr(BUSY).get());
  }
}
