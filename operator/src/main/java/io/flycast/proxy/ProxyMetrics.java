package io.flycast.proxy;

import io.flycast.catalog.RouteKey;
import io.flycast.proxy.cache.ResponseCaches;
import io.flycast.proxy.http.FlyReplay;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The proxy's Prometheus metrics. Routes are labelled {@code namespace/name}; unknown routes {@code
 * -}. Label sets stay bounded: routes, HTTP status codes and a closed set of reasons.
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
  private final Counter rateLimited;
  private final Counter cacheRequests;
  private volatile ResponseCaches caches;
  private final Counter violations;
  private final Counter connectionErrors;
  private final Counter requests;
  private final Counter connections;
  private final Gauge activeConnections;
  private final Counter unavailable;
  private final Counter connectFailures;
  private final Counter httpProtocols;
  private final DurationHistogram requestDuration;
  private final Counter responseBytes;
  private final Counter requestsByMethod;
  private final Counter replays;
  private final DurationHistogram queueWait;
  private volatile java.util.function.IntSupplier queued = () -> 0;
  private volatile InFlight inFlight = visitor -> {};

  /** Visits the in-flight work of every backend in the catalog. */
  @FunctionalInterface
  interface InFlight {
    void forEach(InFlightVisitor visitor);
  }

  @FunctionalInterface
  interface InFlightVisitor {
    void visit(RouteKey route, String backend, int inFlight);
  }

  /** Stands for "no route" in {@link #byRoute}: requests no route answered (404s, bad requests). */
  private static final RouteKey NO_ROUTE = new RouteKey("", "");

  /**
   * Per-route series, bounded like the exported label sets: one entry per route ever served.
   * Methods are labelled as themselves, any other as {@code OTHER}, so clients cannot grow them.
   */
  private final ConcurrentHashMap<RouteKey, RouteSeries> byRoute = new ConcurrentHashMap<>();

  /** What became of a {@code fly-replay} response (label {@code outcome}). */
  public enum ReplayOutcome {
    /** The request was sent again where the header asked. */
    REPLAYED,
    /** The header named an app with no route here: 502. */
    NO_ROUTE,
    /** Network isolation does not let the route reach the target. */
    REFUSED,
    /**
     * The backend answered before the request body ended: the original response went to the client.
     */
    BODY_INCOMPLETE,
    /**
     * The request body was over 1 MiB, too large to keep: the original response went to the client.
     */
    BODY_TOO_LARGE,
    /**
     * A replay was asked for after {@link FlyReplay#MAX_REPLAYS}: the response went to the client.
     */
    TOO_MANY,
    /**
     * The target could not be reached: the request went back where it came from ({@code
     * fallback=}).
     */
    FELL_BACK,
    /**
     * A replay was asked for after a fallback, which ends replaying: the response went to the
     * client.
     */
    AFTER_FALLBACK
  }

  /** Registers the metrics in {@code registry}. */
  public ProxyMetrics(PrometheusRegistry registry) {
    violations =
        Counter.builder()
            .name("flycast_proxy_protocol_violations")
            .help(
                "Requests, streams and connections the proxy's edge defenses refused or closed, by"
                    + " reason (malformed requests, HTTP/2 abuse, slow clients, pipelining floods)")
            .labelNames("reason")
            .register(registry);
    connectionErrors =
        Counter.builder()
            .name("flycast_proxy_errors")
            .help(
                "Connections closed on an error no handler dealt with (resets, broken pipes, bad"
                    + " TLS), by where: client_http, client_h2, client_tls, client_tcp, relay,"
                    + " backend_http, backend_h2")
            .labelNames("kind")
            .register(registry);
    refused =
        Counter.builder()
            .name("flycast_proxy_refused")
            .help(
                "Connections, requests and replays refused by network isolation, by route and"
                    + " reason")
            .labelNames("route", "reason")
            .register(registry);
    requests =
        Counter.builder()
            .name("flycast_proxy_http_requests")
            .help("HTTP responses sent to clients, by route and status")
            .labelNames("route", "status")
            .withoutExemplars() // nothing to sample: no trace context reaches the proxy
            .register(registry);
    connections =
        Counter.builder()
            .name("flycast_proxy_connections")
            .help("Client connections accepted, by listener kind (http, dedicated)")
            .labelNames("listener")
            .register(registry);
    activeConnections =
        Gauge.builder()
            .name("flycast_proxy_active_connections")
            .help("Client connections open now")
            .register(registry);
    unavailable =
        Counter.builder()
            .name("flycast_proxy_unavailable")
            .help("Requests or connections refused for want of a backend, by route and reason")
            .labelNames("route", "reason")
            .register(registry);
    connectFailures =
        Counter.builder()
            .name("flycast_proxy_backend_connect_failures")
            .help("Failed connection attempts to backends, by route")
            .labelNames("route")
            .register(registry);
    httpProtocols =
        Counter.builder()
            .name("flycast_proxy_tls_http_connections")
            .help(
                "TLS client connections served as HTTP, by the protocol ALPN chose (h2, http/1.1)")
            .labelNames("protocol")
            .register(registry);
    requestDuration =
        new DurationHistogram(
            "flycast_proxy_request_duration_seconds",
            "Time from a request's head to the end of its response, by route",
            "route",
            0.005,
            0.01,
            0.025,
            0.05,
            0.1,
            0.25,
            0.5,
            1,
            2.5,
            5,
            10,
            30,
            60);
    registry.register(requestDuration);
    responseBytes =
        Counter.builder()
            .name("flycast_proxy_response_bytes")
            .help("Response body bytes sent to clients, by route")
            .labelNames("route")
            .withoutExemplars() // nothing to sample: no trace context reaches the proxy
            .register(registry);
    requestsByMethod =
        Counter.builder()
            .name("flycast_proxy_requests_by_method")
            .help(
                "HTTP requests answered, by route and method (GET, POST, PUT, PATCH, DELETE, HEAD,"
                    + " OPTIONS, OTHER)")
            .labelNames("route", "method")
            .withoutExemplars() // nothing to sample: no trace context reaches the proxy
            .register(registry);
    queueWait =
        new DurationHistogram(
            "flycast_proxy_queue_wait_seconds",
            "Time requests and connections waited for a slot because every backend of their route"
                + " was at its hard limit, by route",
            "route",
            0.001,
            0.005,
            0.01,
            0.05,
            0.1,
            0.5,
            1,
            2.5,
            5,
            10,
            30);
    registry.register(queueWait);
    GaugeWithCallback.builder()
        .name("flycast_proxy_queued")
        .help(
            "Requests and connections waiting now for a backend slot (every backend of their route"
                + " at its hard limit)")
        .callback(cb -> cb.call(queued.getAsInt()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("flycast_proxy_backend_in_flight")
        .help(
            "Work in flight per backend now: requests or connections, as the route's concurrency"
                + " type counts")
        .labelNames("route", "backend")
        .callback(cb -> inFlight.forEach((route, backend, n) -> cb.call(n, label(route), backend)))
        .register(registry);
    rateLimited =
        Counter.builder()
            .name("flycast_rate_limited")
            .help("HTTP requests answered 429 by the route's rate limit, by route")
            .labelNames("route")
            .register(registry);
    cacheRequests =
        Counter.builder()
            .name("flycast_cache_requests")
            .help(
                "Requests to routes with a response cache, by route and result: hit (served from"
                    + " the cache, after a 304 revalidation too), miss, expired (a stale entry"
                    + " replaced by the backend's new response), stale, bypass (not cacheable)")
            .labelNames("route", "result")
            .register(registry);
    GaugeWithCallback.builder()
        .name("flycast_cache_bytes")
        .help("Bytes of stored responses in the route's cache on this replica")
        .labelNames("route")
        .callback(
            cb -> {
              var c = caches;
              if (c != null) {
                c.routes().forEach((route, cache) -> cb.call((double) cache.bytes(), label(route)));
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("flycast_cache_collapsed_waiting")
        .help(
            "Requests waiting for another request's miss of the same URL (collapsed misses) on"
                + " this replica, by route")
        .labelNames("route")
        .callback(
            cb -> {
              var c = caches;
              if (c != null) {
                c.routes()
                    .forEach(
                        (route, cache) ->
                            cb.call((double) cache.flights().waiting(), label(route)));
              }
            })
        .register(registry);
    replays =
        Counter.builder()
            .name("flycast_proxy_replays")
            .help("fly-replay responses from backends, by route and outcome")
            .labelNames("route", "outcome")
            .register(registry);
  }

  /** Metrics registered in a private registry, for tests and callers that do not export. */
  public static ProxyMetrics unregistered() {
    return new ProxyMetrics(new PrometheusRegistry());
  }

  public void request(RouteKey route, int status) {
    series(route).status(status).inc();
  }

  /** A request is over: its duration, body bytes sent and method. */
  void completed(RouteKey route, String method, long bytesSent, long durationNanos) {
    RouteSeries r = series(route);
    r.duration.observeNanos(durationNanos);
    if (bytesSent > 0) {
      r.responseBytes.inc(bytesSent);
    }
    r.method(method).inc();
  }

  private RouteSeries series(RouteKey route) {
    RouteSeries s = byRoute.get(route == null ? NO_ROUTE : route);
    return s != null
        ? s
        : byRoute.computeIfAbsent(
            route == null ? NO_ROUTE : route, k -> new RouteSeries(label(route)));
  }

  /**
   * The per-request series of one route, looked up once: finding a labelled series in the
   * Prometheus client builds a label list and hashes it, too much to do several times for every
   * request. Slots fill in on first use, so only statuses and methods seen are exported.
   */
  private final class RouteSeries {
    private static final int STATUS_CLASSES = 6;
    private static final List<String> METHOD_LABELS =
        List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER");
    private final String label;
    private final DurationHistogram.Series duration;
    private final CounterDataPoint responseBytes;

    /**
     * Series by status, in blocks of 100 (1xx..5xx) made on first use: a route that only ever
     * answers 2xx holds one block, not 600 slots.
     */
    private final AtomicReferenceArray<AtomicReferenceArray<CounterDataPoint>> byStatus =
        new AtomicReferenceArray<>(STATUS_CLASSES);

    private final AtomicReferenceArray<CounterDataPoint> byMethod =
        new AtomicReferenceArray<>(METHOD_LABELS.size());

    RouteSeries(String label) {
      this.label = label;
      this.duration = requestDuration.labelValue(label);
      this.responseBytes = ProxyMetrics.this.responseBytes.labelValues(label);
    }

    CounterDataPoint status(int status) {
      if (status < 0 || status >= STATUS_CLASSES * 100) {
        return requests.labelValues(label, Integer.toString(status));
      }
      AtomicReferenceArray<CounterDataPoint> block = byStatus.get(status / 100);
      if (block == null) {
        byStatus.compareAndSet(status / 100, null, new AtomicReferenceArray<>(100));
        block = byStatus.get(status / 100);
      }
      CounterDataPoint p = block.get(status % 100);
      if (p == null) {
        // Racing threads get the same series from the client: either write is right.
        p = requests.labelValues(label, Integer.toString(status));
        block.set(status % 100, p);
      }
      return p;
    }

    CounterDataPoint method(String method) {
      int i = METHOD_LABELS.indexOf(method);
      if (i < 0) {
        i = METHOD_LABELS.size() - 1;
      }
      CounterDataPoint p = byMethod.get(i);
      if (p == null) {
        p = requestsByMethod.labelValues(label, METHOD_LABELS.get(i));
        byMethod.set(i, p);
      }
      return p;
    }
  }

  /** Work left the capacity queue (with a slot, or not) after waiting {@code nanos}. */
  public void queueWait(RouteKey route, long nanos) {
    queueWait.labelValue(label(route)).observeNanos(nanos);
  }

  /**
   * Where {@code flycast_proxy_backend_in_flight} reads its values at each scrape: only backends in
   * the current catalog, so pods that are gone leave no series behind.
   */
  void watchInFlight(InFlight source) {
    inFlight = source;
  }

  /** Where the {@code flycast_proxy_queued} gauge reads its value. */
  void watchQueue(java.util.function.IntSupplier size) {
    queued = size;
  }

  /** A request over its route's rate limit, answered 429. */
  public void rateLimited(RouteKey route) {
    rateLimited.labelValues(label(route)).inc();
  }

  /** A request to a cache-enabled route, by what the cache did: hit, miss, expired, bypass. */
  public void cacheRequest(RouteKey route, String result) {
    cacheRequests.labelValues(label(route), result).inc();
  }

  /** Where the {@code flycast_cache_bytes} gauge reads its values. */
  void watchCaches(ResponseCaches source) {
    caches = source;
  }

  public void replay(RouteKey route, ReplayOutcome outcome) {
    replays.labelValues(label(route), outcome.name().toLowerCase(Locale.ROOT)).inc();
  }

  void connectionOpened(String listener) {
    connections.labelValues(listener).inc();
    activeConnections.inc();
  }

  /** A TLS HTTP connection's protocol, once ALPN chose it (h2 or http/1.1: a closed set). */
  public void httpProtocol(boolean h2) {
    httpProtocols.labelValues(h2 ? "h2" : "http/1.1").inc();
  }

  void connectionClosed() {
    activeConnections.dec();
  }

  public void unavailable(RouteKey route, Unavailable reason) {
    unavailable.labelValues(label(route), reason.name().toLowerCase(java.util.Locale.ROOT)).inc();
  }

  public void connectFailed(RouteKey route) {
    connectFailures.labelValues(label(route)).inc();
  }

  /** An edge defense acted: see {@code docs/security.md} for the reasons. */
  void connectionError(String kind) {
    connectionErrors.labelValues(kind).inc();
  }

  public void violation(String reason) {
    violations.labelValues(reason).inc();
  }

  public void refused(RouteKey route, String reason) {
    refused.labelValues(label(route), reason).inc();
  }

  private static String label(RouteKey route) {
    return route == null ? "-" : route.toString();
  }
}
