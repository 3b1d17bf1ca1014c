package io.flycast.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.util.LinkedHashSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the open admin connections without letting a flood lock out the next probe. Refusing new
 * connections at the limit would hand the port to whoever opened connections first: 256 slowloris
 * sockets, or 256 idle keep-alive ones refreshed every so often, and the kubelet's {@code /healthz}
 * never gets in. So at the limit, a new connection closes the oldest connection that is not being
 * answered right now (idle, or still sending its head), and is refused only if every connection is
 * being answered, which takes milliseconds. A probe sends its request as soon as it connects; to
 * shed it, a flood would have to open more than the limit in connections in that time.
 *
 * <p>Shared by every connection, and used on the admin server's one event loop only (it accepts and
 * serves every connection), so the set needs no lock.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);
  private static final AttributeKey<Boolean> ANSWERING =
      AttributeKey.valueOf("flycast.admin.answering");
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final int max;

  /** Open connections, oldest first. */
  private final LinkedHashSet<Channel> open = new LinkedHashSet<>();

  private volatile int count;
  private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

  ConnectionLimit(int max) {
    this.max = max;
  }

  /** Marks a connection as being answered (not to be shed) or not. */
  static void answering(Channel ch, boolean yes) {
    ch.attr(ANSWERING).set(yes);
  }

  /** Open connections now; read from any thread. */
  int count() {
    return count;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (open.size() >= max) {
      Channel victim = oldestNotAnswering();
      warnAtLimit(victim != null);
      if (victim == null) {
        ctx.close();
        return;
      }
      forget(victim);
      victim.close();
    }
    open.add(ctx.channel());
    count = open.size();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    forget(ctx.channel());
    ctx.fireChannelInactive();
  }

  private void forget(Channel ch) {
    open.remove(ch);
    count = open.size();
  }

  private Channel oldestNotAnswering() {
    for (Channel ch : open) {
      if (!Boolean.TRUE.equals(ch.attr(ANSWERING).get())) {
        return ch;
      }
    }
    return null;
  }

  private void warnAtLimit(boolean shed) {
    long now = System.nanoTime();
    if (now - lastWarning >= WARN_EVERY_NANOS) {
      lastWarning = now;
      log.warn(
          "admin port at its limit of {} connections: {} (slow or idle clients, or a flood?)",
          max,
          shed
              ? "closing the oldest idle ones for new ones"
              : "refusing new ones, every connection is being answered");
    }
  }
}
