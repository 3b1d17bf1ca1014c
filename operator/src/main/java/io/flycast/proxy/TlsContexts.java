package io.flycast.proxy;

import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derives, from the context a {@link CertificateSource} returns, one that offers the port's ALPN
 * protocols. The certificate source knows certificates, the port knows protocols; deriving here
 * keeps the source's contract (an {@link SslContext}) unchanged.
 *
 * <p>ALPN offered: the port's {@code tls.alpn} when set; otherwise, on an HTTP port,
 * {@code h2, http/1.1} (Fly's default); otherwise whatever the source's context offers. Only
 * JDK-provider contexts ({@link JdkSslContext}) can be re-derived (their {@code SSLContext} holds
 * the key material); others are used as they are, which means HTTP/1.1 only.
 */
final class TlsContexts {
  private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
  static final List<String> HTTP_DEFAULT_ALPN = List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

  /** Derived contexts by source context (weak: a rotated certificate's contexts go with it). */
  private static final Map<SslContext, Map<List<String>, SslContext>> DERIVED =
      Collections.synchronizedMap(new WeakHashMap<>());

  private TlsContexts() {}

  /** The ALPN protocols a port offers, or an empty list to keep the source context's own. */
  static List<String> alpn(PortSpec port) {
    if (port == null) {
      return HTTP_DEFAULT_ALPN; // the shared HTTPS listener serves HTTP
    }
    if (port.tls() != null && !port.tls().alpn().isEmpty()) {
      return port.tls().alpn();
    }
    return port.has(Handler.HTTP) ? HTTP_DEFAULT_ALPN : List.of();
  }

  /** {@code source}, offering {@code alpn} (in preference order) when it can; null stays null. */
  static SslContext withAlpn(SslContext source, List<String> alpn) {
    if (source == null || alpn.isEmpty() || !(source instanceof JdkSslContext jdk)) {
      return source;
    }
    Map<List<String>, SslContext> byAlpn = DERIVED.computeIfAbsent(source, s -> new ConcurrentHashMap<>());
    try {
      return byAlpn.computeIfAbsent(alpn, a -> derive(jdk, a));
    } catch (RuntimeException e) {
      // Serving HTTP/1.1 beats refusing the handshake.
      log.warn("cannot add ALPN {} to a certificate's context; offering its own: {}", alpn, e.toString());
      return source;
    }
  }

  private static SslContext derive(JdkSslContext source, List<String> alpn) {
    // The source's enabled protocols (e.g. a TLS version floor) are only visible on an engine.
    var engine = source.newEngine(ByteBufAllocator.DEFAULT);
    String[] protocols = engine.getEnabledProtocols();
    return new JdkSslContext(
        source.context(),
        false,
        source.cipherSuites(),
        IdentityCipherSuiteFilter.INSTANCE,
        new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            // No common protocol: finish the handshake without ALPN, the client falls back to 1.1.
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            alpn),
        ClientAuth.NONE,
        protocols,
        false);
  }
}
