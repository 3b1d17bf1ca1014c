package io.flycast.proxy.tls;

import io.flycast.catalog.RouteKey;
import io.flycast.proxy.ProxyConfig;

/**
 * Where the proxy gets server certificates for TLS termination. The control plane implements it
 * from the routes' Kubernetes TLS Secrets; the proxy calls it on an event loop during each
 * handshake, so implementations must answer from memory (a parsed, cached {@link
 * ServerCertificate}) and never block.
 *
 * <p>The source hands out key material only. TLS contexts are the proxy's business: it builds them
 * from the returned certificate for the port's ALPN protocols ({@code h2} and {@code http/1.1} on
 * HTTP ports by default) with its TLS provider (OpenSSL when it loads, the JDK's otherwise; {@link
 * ProxyConfig#tlsProvider()}), and keeps them on the certificate instance. So a source should
 * return the same instance for as long as the certificate is unchanged, and a new one when it
 * changes: the new one gets new contexts on its first handshake, the old one's go with it.
 */
@FunctionalInterface
public interface CertificateSource {
  /** Serves no certificates: every TLS handshake is refused. */
  CertificateSource NONE = (route, secretName) -> null;

  /**
   * The server certificate for a route.
   *
   * @param route the route being connected to
   * @param secretName the port's {@code tls.secretName} (may be {@code null})
   * @return the certificate, or {@code null} when there is no usable one (the handshake is then
   *     refused with an {@code unrecognized_name} alert)
   */
  ServerCertificate certificate(RouteKey route, String secretName);
}
