package io.flycast.proxy;

import io.flycast.catalog.RouteKey;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The proxy's Prometheus metrics. Routes are labelled {@code namespace/name}; unknown routes
 * {@code -}. Label sets stay bounded: routes, HTTP status codes and a closed set of reasons.
 */
public final class ProxyMetrics {
  /** Why a request or connection got no backend (label {@code reason} of 503s). */
  public enum Unavailable {
    NO_BACKENDS,
    AT_CAPACITY,
    CONNECT_FAILED,
    /** Autostart was asked for a backend and none became ready (timeout, cap, autostart off). */
    NOT_STARTED
  }

  private final Counter refused;
  private final Counter requests;
  private final Counter connections;
  private final Gauge activeConnections;
  private final Counter unavailable;
  private final Counter connectFailures;
  private final Counter httpProtocols;

  /** Registers the metrics in {@code registry}. */
  public ProxyMetrics(PrometheusRegistry registry) {
    refused = Counter.builder()
        .name("flycast_proxy_refused")
        .help("Connections, requests and replays refused by network isolation, by route and reason")
        .labelNames("route", "reason")
        .register(registry);
    requests = Counter.builder()
        .name("flycast_proxy_http_requests")
        .help("HTTP responses sent to clients, by route and status")
        .labelNames("route", "status")
        .register(registry);
    connections = Counter.builder()
        .name("flycast_proxy_connections")
        .help("Client connections accepted, by listener kind (http, dedicated)")
        .labelNames("listener")
        .register(registry);
    activeConnections = Gauge.builder()
        .name("flycast_proxy_active_connections")
        .help("Client connections open now")
        .register(registry);
    unavailable = Counter.builder()
        .name("flycast_proxy_unavailable")
        .help("Requests or connections refused for want of a backend, by route and reason")
        .labelNames("route", "reason")
        .register(registry);
    connectFailures = Counter.builder()
        .name("flycast_proxy_backend_connect_failures")
        .help("Failed connection attempts to backends, by route")
        .labelNames("route")
        .register(registry);
    httpProtocols = Counter.builder()
        .name("flycast_proxy_tls_http_connections")
        .help("TLS client connections served as HTTP, by the protocol ALPN chose (h2, http/1.1)")
        .labelNames("protocol")
        .register(registry);
  }

  /** Metrics registered in a private registry, for tests and callers that do not export. */
  public static ProxyMetrics unregistered() {
    return new ProxyMetrics(new PrometheusRegistry());
  }

  void request(RouteKey route, int status) {
    requests.labelValues(label(route), Integer.toString(status)).inc();
  }

  void connectionOpened(String listener) {
    connections.labelValues(listener).inc();
    activeConnections.inc();
  }

  /** A TLS HTTP connection's protocol, once ALPN chose it (h2 or http/1.1: a closed set). */
  void httpProtocol(boolean h2) {
    httpProtocols.labelValues(h2 ? "h2" : "http/1.1").inc();
  }

  void connectionClosed() {
    activeConnections.dec();
  }

  void unavailable(RouteKey route, Unavailable reason) {
    unavailable.labelValues(label(route), reason.name().toLowerCase(java.util.Locale.ROOT)).inc();
  }

  void connectFailed(RouteKey route) {
    connectFailures.labelValues(label(route)).inc();
  }

  void refused(RouteKey route, String reason) {
    refused.labelValues(label(route), reason).inc();
  }

  private static String label(RouteKey route) {
    return route == null ? "-" : route.toString();
  }
}
