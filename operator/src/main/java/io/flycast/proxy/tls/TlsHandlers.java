package io.flycast.proxy.tls;

import io.flycast.catalog.Catalog;
import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyContext;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS termination: picks the certificate from the ClientHello's SNI name (or, on a dedicated port,
 * from the route owning the address) and refuses handshakes it has no certificate for with a fatal
 * {@code unrecognized_name} alert rather than a silent close.
 *
 * <p>A client has {@link ProxyConfig#headerReadTimeout()} to send its ClientHello, and as long
 * again to finish the handshake: a connection that never says anything would otherwise hold a
 * descriptor forever, and enough of them take the proxy down for everyone. A ClientHello is
 * buffered up to {@link #MAX_CLIENT_HELLO} bytes, far above what browsers send.
 */
public final class TlsHandlers {
  public static final String SNI = "sni";
  static final String TLS_ALERT = "tls-alert";
  private static final Logger log = LoggerFactory.getLogger(TlsHandlers.class);

  /**
   * A fatal TLS alert record: content type 21 (alert), legacy version 3.3, length 2, level 2
   * (fatal), description 112 ({@code unrecognized_name}, RFC 6066 section 3).
   */
  private static final byte[] UNRECOGNIZED_NAME_ALERT = {21, 3, 3, 0, 2, 2, 112};

  /** Largest ClientHello buffered; real ones, post-quantum key shares included, are a few KiB. */
  static final int MAX_CLIENT_HELLO = 16 * 1024;

  private TlsHandlers() {}

  /** TLS for a dedicated port: the certificate of the route owning the address. */
  public static void addTlsHandlers(
      ChannelPipeline p, ProxyContext px, RouteKey route, PortSpec port) {
    String secret = port.tls() == null ? null : port.tls().secretName();
    List<String> alpn = TlsContexts.alpn(port);
    List<String> versions = TlsContexts.protocols(port);
    p.addLast(SNI, sniHandler(px, sni -> context(px, route, secret, alpn, versions)));
    p.addLast(TLS_ALERT, AlertOnMissingCertificate.INSTANCE);
  }

  /**
   * pg_tls for a dedicated port: TLS after the Postgres SSLRequest, with the route's certificate.
   */
  public static void addPgTlsHandlers(
      ChannelPipeline p, ProxyContext px, RouteKey route, PortSpec port) {
    String secret = port.tls() == null ? null : port.tls().secretName();
    p.addLast(
        PgTlsHandler.NAME,
        new PgTlsHandler(
            px.config().headerReadTimeout(),
            new String[] {SNI, TLS_ALERT},
            new io.netty.channel.ChannelHandler[] {
              sniHandler(
                  px, sni -> context(px, route, secret, List.of(), TlsContexts.protocols(port))),
              AlertOnMissingCertificate.INSTANCE
            }));
  }

  /** TLS for the shared HTTPS listener: the certificate of the route the SNI name belongs to. */
  public static void addSharedTlsHandlers(ChannelPipeline p, ProxyContext px) {
    p.addLast(SNI, sniHandler(px, sni -> bySni(px, sni)));
    p.addLast(TLS_ALERT, AlertOnMissingCertificate.INSTANCE);
  }

  private static SslContext bySni(ProxyContext px, String sni) {
    Catalog catalog = px.catalog().current();
    Route route = sni == null ? null : catalog.routeByHostname(sni);
    if (route == null) {
      return null;
    }
    for (PortSpec p : route.spec().ports()) {
      if (p.has(Handler.TLS) && p.tls() != null) {
        return context(
            px, route.key(), p.tls().secretName(), TlsContexts.alpn(p), TlsContexts.protocols(p));
      }
    }
    return context(px, route.key(), null, TlsContexts.alpn(null), TlsContexts.protocols(null));
  }

  /**
   * The context for a route's certificate (from {@code secret}) with {@code alpn} and TLS {@code
   * versions} (the port's {@code tls.versions} within the profile), on the proxy's provider.
   */
  private static SslContext context(
      ProxyContext px, RouteKey route, String secret, List<String> alpn, List<String> versions) {
    return TlsContexts.context(
        px.certificates().certificate(route, secret), alpn, versions, px.tlsProvider());
  }

  /** Whether the connection was TLS-terminated here (for X-Forwarded-Proto). */
  public static boolean isTls(ChannelPipeline p) {
    // An HTTP/2 stream's pipeline has no TLS of its own: the connection's is its parent's.
    Channel ch = p.channel();
    if (ch instanceof Http2StreamChannel) {
      return ch.parent().pipeline().get(SslHandler.class) != null;
    }
    return p.get(SslHandler.class) != null;
  }

  /** No certificate for the name a client asked for. */
  static final class NoCertificateException extends RuntimeException {
    NoCertificateException(String sni) {
      super("no certificate for '" + sni + "'", null, false, false);
    }
  }

  private static SniHandler sniHandler(ProxyContext px, Function<String, SslContext> lookup) {
    return new SniHandler(
        (Mapping<String, SslContext>)
            sni -> {
              SslContext ctx = lookup.apply(sni);
              if (ctx == null) {
                throw new NoCertificateException(sni);
              }
              return ctx;
            },
        MAX_CLIENT_HELLO,
        px.config().headerReadTimeout().toMillis());
  }

  /**
   * Turns a failed certificate lookup into a TLS alert. Sits after the SNI handler, which is
   * inbound-only, so the alert bytes go out as they are.
   */
  @Sharable
  static final class AlertOnMissingCertificate extends ChannelInboundHandlerAdapter {
    static final AlertOnMissingCertificate INSTANCE = new AlertOnMissingCertificate();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      for (Throwable t = cause; t != null; t = t.getCause()) {
        if (t instanceof NoCertificateException) {
          log.debug("refusing TLS from {}: {}", ctx.channel().remoteAddress(), t.getMessage());
          ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME_ALERT))
              .addListener(ChannelFutureListener.CLOSE);
          return;
        }
      }
      ctx.fireExceptionCaught(cause);
    }
  }
}
