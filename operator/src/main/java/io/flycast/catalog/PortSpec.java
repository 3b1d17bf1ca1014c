package io.flycast.catalog;

import java.util.Set;

/**
 * One service port: where clients connect and how the proxy handles the connection.
 *
 * <p>Which port a backend is dialed on is {@link #targetPort(Backend)}: for a Service port, the
 * number the backend's EndpointSlice lists under the Service port's name (as kube-proxy does), so a
 * named {@code targetPort} ({@code targetPort: http}) is resolved per pod; otherwise {@link
 * #targetPort}.
 *
 * @param port the port clients connect to on the route's address
 * @param targetPort the backend port (fly.toml {@code internal_port}); 0 when the target port is
 *     named ({@code targetPortName}), whose number each backend's EndpointSlice gives
 * @param handlers connection handlers, applied outermost first (tls before http)
 * @param forceHttps redirect plain HTTP requests to https (only with {@link Handler#HTTP})
 * @param tls TLS settings; {@code null} unless {@link Handler#TLS} or {@link Handler#PG_TLS}
 * @param proxyProto PROXY protocol version for {@link Handler#PROXY_PROTO}
 * @param http HTTP settings
 * @param name the Service port's name ({@code ""} when unnamed), which is the name its
 *     EndpointSlices list the resolved number under ({@link Backend#ports()}); null when the port
 *     is not a Service port's (an ExposedService's {@code internalPort} is always a number)
 * @param targetPortName the Service port's named {@code targetPort} (a container port name), or
 *     null when the target port is a number
 */
public record PortSpec(
    int port,
    int targetPort,
    Set<Handler> handlers,
    boolean forceHttps,
    TlsOptions tls,
    ProxyProtoVersion proxyProto,
    HttpOptions http,
    String name,
    String targetPortName) {
  public PortSpec {
    handlers = Set.copyOf(handlers);
  }

  /** A port with a numeric target port, not resolved through EndpointSlices. */
  public PortSpec(
      int port,
      int targetPort,
      Set<Handler> handlers,
      boolean forceHttps,
      TlsOptions tls,
      ProxyProtoVersion proxyProto,
      HttpOptions http) {
    this(port, targetPort, handlers, forceHttps, tls, proxyProto, http, null, null);
  }

  /** A raw TCP port: no handlers, bytes pass through. */
  public static PortSpec tcp(int port, int targetPort) {
    return new PortSpec(
        port, targetPort, Set.of(), false, null, ProxyProtoVersion.V1, HttpOptions.DEFAULT);
  }

  public boolean has(Handler h) {
    return handlers.contains(h);
  }

  /**
   * The port to dial on {@code b}: the number {@code b}'s EndpointSlice lists under this Service
   * port's {@link #name}, else {@link #targetPort}. As with kube-proxy, the slice is what counts:
   * it carries a named target port resolved in that pod (pods of one Service may resolve a name to
   * different numbers), and for a numeric one the same number (or, for a Service without a
   * selector, the port its hand-written slice says). Only meaningful when {@link #serves}.
   */
  public int targetPort(Backend b) {
    Integer resolved = name == null ? null : b.ports().get(name);
    return resolved != null ? resolved : targetPort;
  }

  /**
   * Whether {@code b} can take this port's connections: always for a numeric target port; for a
   * named one only when {@code b}'s EndpointSlice resolved it (a pod with no container port of that
   * name is left out of the port, as kube-proxy leaves it out).
   */
  public boolean serves(Backend b) {
    return targetPortName == null || (name != null && b.ports().containsKey(name));
  }
}
