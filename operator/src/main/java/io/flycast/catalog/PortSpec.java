package io.flycast.catalog;

import java.util.Set;

/**
 * One service port: where clients connect and how the proxy handles the connection.
 *
 * @param port the port clients connect to on the route's address
 * @param targetPort the backend port (fly.toml {@code internal_port})
 * @param handlers connection handlers, applied outermost first (tls before http)
 * @param forceHttps redirect plain HTTP requests to https (only with {@link Handler#HTTP})
 * @param tls TLS settings; {@code null} unless {@link Handler#TLS} or {@link Handler#PG_TLS}
 * @param proxyProto PROXY protocol version for {@link Handler#PROXY_PROTO}
 * @param http HTTP settings
 */
public record PortSpec(
    int port,
    int targetPort,
    Set<Handler> handlers,
    boolean forceHttps,
    TlsOptions tls,
    ProxyProtoVersion proxyProto,
    HttpOptions http) {
  public PortSpec {
    handlers = Set.copyOf(handlers);
  }

  /** A raw TCP port: no handlers, bytes pass through. */
  public static PortSpec tcp(int port, int targetPort) {
    return new PortSpec(port, targetPort, Set.of(), false, null, ProxyProtoVersion.V1, HttpOptions.DEFAULT);
  }

  public boolean has(Handler h) {
    return handlers.contains(h);
  }
}
