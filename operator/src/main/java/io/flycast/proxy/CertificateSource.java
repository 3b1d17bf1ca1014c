package io.flycast.proxy;

import io.flycast.catalog.RouteKey;
import io.netty.handler.ssl.SslContext;

/**
 * Where the proxy gets server certificates for TLS termination. The control plane implements it
 * from the routes' Kubernetes TLS Secrets; the proxy calls it on an event loop during each
 * handshake, so implementations must answer from memory (a prepared, cached {@link SslContext})
 * and never block.
 *
 * <p>ALPN is the proxy's business, not the source's: for each port the proxy derives from the
 * returned context one offering the port's protocols ({@code h2} and {@code http/1.1} on HTTP
 * ports by default). That needs a JDK-provider context ({@code SslProvider.JDK}, the default
 * without netty-tcnative); any other is used as it is, and then serves HTTP/1.1 only.
 */
@FunctionalInterface
public interface CertificateSource {
  /** Serves no certificates: every TLS handshake is refused. */
  CertificateSource NONE = (route, secretName) -> null;

  /**
   * The server context for a route's certificate.
   *
   * @param route the route being connected to
   * @param secretName the port's {@code tls.secretName} (may be {@code null})
   * @return the context, or {@code null} when there is no usable certificate (the handshake is
   *     then refused with an {@code unrecognized_name} alert)
   */
  SslContext serverContext(RouteKey route, String secretName);
}
