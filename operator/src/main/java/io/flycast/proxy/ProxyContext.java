package io.flycast.proxy;

import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Route;
import io.flycast.network.NetworkPolicy;
import io.flycast.proxy.balance.Balancer;
import io.flycast.proxy.balance.CapacityQueue;
import io.flycast.proxy.balance.LoadTracker;
import io.flycast.proxy.cache.ResponseCaches;
import io.flycast.proxy.http.FlyHeaders;
import io.flycast.proxy.limit.RateLimits;
import io.flycast.proxy.tls.CertificateSource;
import io.flycast.proxy.upstream.BackendConnectionPool;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AsciiString;

/**
 * What every connection handler of one {@link ProxyServer} shares: configuration, the catalog, the
 * balancer, the backend pool and metrics. Immutable apart from the shutdown flags.
 */
public final class ProxyContext {
  private final ProxyConfig config;
  private final CatalogStore catalog;
  private final Balancer balancer;
  private final ProxyMetrics metrics;
  private final ConnectionErrors errors;
  private final Transport transport;
  private final ChannelGroup clients;
  private final BackendConnectionPool pool;
  private final CertificateSource certificates;

  /** The TLS implementation, decided (and logged) once when the server starts. */
  private final SslProvider tlsProvider;

  private final BackendStarter starter;
  private final NetworkPolicy access;
  private final CapacityQueue queue;
  private final RateLimits rateLimits;
  private final ResponseCaches caches;
  private volatile boolean leaving;
  private volatile boolean draining;

  /** This proxy's Via entry, made once. */
  private final AsciiString via;

  /**
   * @param inputs what the proxy reads from the rest of Flycast
   * @param transport, clients and tlsProvider: the server's event loops, its open client
   *     connections, and its TLS implementation
   */
  ProxyContext(
      ProxyConfig config,
      ProxyInputs inputs,
      Balancer balancer,
      ProxyMetrics metrics,
      Transport transport,
      ChannelGroup clients,
      SslProvider tlsProvider) {
    this.tlsProvider = tlsProvider;
    this.access = inputs.access();
    this.starter = inputs.starter();
    this.config = config;
    this.catalog = inputs.catalog();
    this.balancer = balancer;
    this.metrics = metrics;
    this.errors = new ConnectionErrors(metrics);
    this.transport = transport;
    this.clients = clients;
    this.certificates = inputs.certificates();
    this.via = FlyHeaders.viaValue(config.viaName());
    this.pool = new BackendConnectionPool(this);
    this.queue = new CapacityQueue(config.maxQueuedPerRoute());
    this.caches = new ResponseCaches(config.cacheMaxBytes());
    this.rateLimits = new RateLimits(config.rateLimitMaxKeys());
    metrics.watchCaches(caches);
    LoadTracker tracker = balancer.tracker();
    tracker.onRelease(queue::slotFreed);
    tracker.onMoreRoom(queue::wakeAll);
    metrics.watchQueue(queue::size);
    metrics.watchInFlight(
        visitor -> {
          for (Route route : catalog.current().routes()) {
            for (Backend b : route.backends()) {
              visitor.visit(route.key(), b.name(), tracker.load(route.key(), b.name()));
            }
          }
        });
  }

  /** The per-route request rate limiters of this replica. */
  public RateLimits rateLimits() {
    return rateLimits;
  }

  /** The per-route response caches of this replica. */
  public ResponseCaches caches() {
    return caches;
  }

  public ProxyConfig config() {
    return config;
  }

  public AsciiString via() {
    return via;
  }

  public SslProvider tlsProvider() {
    return tlsProvider;
  }

  public CatalogStore catalog() {
    return catalog;
  }

  public Balancer balancer() {
    return balancer;
  }

  public ProxyMetrics metrics() {
    return metrics;
  }

  /** Ends connections on unhandled errors, logged and counted. */
  public ConnectionErrors errors() {
    return errors;
  }

  ChannelGroup clients() {
    return clients;
  }

  public CertificateSource certificates() {
    return certificates;
  }

  public BackendStarter starter() {
    return starter;
  }

  /** Who may reach which route (network isolation). */
  public NetworkPolicy access() {
    return access;
  }

  /** Work waiting for a slot on a route whose backends are all at their hard limit. */
  public CapacityQueue queue() {
    return queue;
  }

  public BackendConnectionPool pool() {
    return pool;
  }

  /**
   * Shutdown has begun ({@link ProxyServer#beginDrain()}): keep-alive clients are told to go
   * (HTTP/1.1 responses say {@code Connection: close}, HTTP/2 connections get GOAWAY), though new
   * connections are still served.
   */
  public boolean leaving() {
    return leaving;
  }

  void startLeaving() {
    leaving = true;
  }

  /**
   * The proxy is stopping ({@link ProxyServer#stop()}): listeners are closed, client connections
   * close once their work is done, and backend connections are no longer kept for reuse.
   */
  public boolean draining() {
    return draining;
  }

  void startDraining() {
    leaving = true;
    draining = true;
  }

  /**
   * A bootstrap for a backend connection on {@code loop}: the client's own event loop, so both
   * halves of a proxied connection run on one thread and hand buffers over without locks.
   * Half-closure is for raw relays, which forward FINs; HTTP treats a FIN as the end.
   */
  public Bootstrap backendBootstrap(
      EventLoop loop, ChannelHandler handler, boolean allowHalfClosure) {
    return new Bootstrap()
        .group(loop)
        .channel(transport.socketChannel())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, allowHalfClosure)
        .option(
            ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(
                config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()))
        .handler(handler);
  }
}
