package io.flycast.proxy;

import io.netty.channel.ChannelHandlerContext;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a proxy connection ends on an error no handler dealt with: a debug line naming the
 * peer, the route where the connection has one, and the cause, a count in {@code
 * flycast_proxy_errors_total{kind}}, then a close.
 *
 * <p>Debug, not warn: on an internet-facing edge, resets and broken pipes are what clients do every
 * second, and a line each would drown the log. The counter is what shows a trend.
 */
public final class ConnectionErrors {
  private static final Logger log = LoggerFactory.getLogger(ConnectionErrors.class);

  /** Where the error happened: the metric's label. */
  public enum Kind {
    /** An HTTP/1.1 client connection. */
    CLIENT_HTTP,
    /** An HTTP/2 client connection (not a stream: stream errors are resets). */
    CLIENT_H2,
    /** A TLS client connection before its protocol was chosen. */
    CLIENT_TLS,
    /** The client side of a TCP route before the relay starts. */
    CLIENT_TCP,
    /** Either side of a raw relay (TCP routes, WebSocket). */
    RELAY,
    /** A pooled HTTP/1.1 or HTTP/2-stream backend connection. */
    BACKEND_HTTP,
    /** An HTTP/2 backend connection. */
    BACKEND_H2;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final ProxyMetrics metrics;

  ConnectionErrors(ProxyMetrics metrics) {
    this.metrics = metrics;
  }

  /** Logs, counts and closes; {@code route} may be null. */
  public void close(ChannelHandlerContext ctx, Throwable cause, Kind kind, Object route) {
    count(ctx, cause, kind, route);
    ctx.close();
  }

  /** Logs and counts, for handlers that leave the close to someone else (the HTTP/2 codec). */
  void count(ChannelHandlerContext ctx, Throwable cause, Kind kind, Object route) {
    metrics.connectionError(kind.label);
    if (log.isDebugEnabled()) {
      log.debug(
          "closing {} connection {}{}: {}",
          kind.label,
          ctx.channel().remoteAddress(),
          route == null ? "" : " of route " + route,
          cause.toString());
    }
  }
}
