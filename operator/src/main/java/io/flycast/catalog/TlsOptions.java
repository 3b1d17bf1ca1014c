package io.flycast.catalog;

import java.util.List;

/**
 * TLS settings of a port.
 *
 * @param secretName the Kubernetes TLS Secret (same namespace as the route) with the certificate
 * @param alpn protocols offered in ALPN, in preference order (e.g. {@code h2}, {@code http/1.1})
 * @param versions allowed TLS versions (e.g. {@code TLSv1.2}, {@code TLSv1.3}); empty = default
 */
public record TlsOptions(String secretName, List<String> alpn, List<String> versions) {
  public TlsOptions {
    alpn = List.copyOf(alpn);
    versions = List.copyOf(versions);
  }
}
