package io.flycast.proxy;

import io.flycast.catalog.Catalog;
import io.flycast.catalog.CatalogChange;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.network.NetworkPolicy;
import io.flycast.proxy.balance.Balancer;
import io.flycast.proxy.balance.LoadTracker;
import io.flycast.proxy.pipeline.DedicatedChannelInitializer;
import io.flycast.proxy.pipeline.Http2ServerPipeline;
import io.flycast.proxy.pipeline.SharedHttpInitializer;
import io.flycast.proxy.tls.CertificateSource;
import io.flycast.proxy.tls.TlsContexts;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flycast data plane: Netty listeners that route client connections to backends from the {@link
 * CatalogStore}.
 *
 * <ul>
 *   <li>The shared HTTP listener ({@link ProxyConfig#httpAddress()}) routes each request by its
 *       Host header: {@code <name>.<namespace>.flycast} or any hostname of a route.
 *   <li>The shared HTTPS listener ({@link ProxyConfig#httpsAddress()}, off by default) terminates
 *       TLS with the certificate of the route named by SNI, then routes like the HTTP one.
 *   <li>Dedicated listeners, one per distinct service port in the catalog, bound to {@link
 *       ProxyConfig#dedicatedBindAddress()}, route each connection by the local address and port it
 *       arrived on. They follow the catalog: ports appear and disappear with routes.
 * </ul>
 *
 * <p>Usage: {@code new ProxyServer(config, store, new ProxyMetrics(registry)).start()}, then {@link
 * #stop()} on shutdown.
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private final ProxyConfig config;
  private final CatalogStore catalog;
  private final Transport transport;
  private final EventLoopGroup bossGroup;
  private final EventLoopGroup workerGroup;
  private final ChannelGroup clients =
      new DefaultChannelGroup("flycast-clients", GlobalEventExecutor.INSTANCE);
  private final ProxyContext px;
  private final ListenerManager dedicated;
  private volatile Channel httpListener;
  private volatile Channel httpsListener;
  private volatile boolean followCatalog;
  private volatile boolean stopped;
  private volatile boolean started;

  /**
   * Turns off Netty's buffer leak detection unless {@code -Dio.netty.leakDetection.level} asks for
   * it. Its default samples one buffer in 128 and records a stack trace for each: a few percent of
   * the proxy's CPU, spent looking for a bug the tests already look for (they run with detection
   * on). For processes that serve traffic; call before the first buffer is made.
   */
  public static void disableLeakDetectionUnlessAsked() {
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  /**
   * @param config listener addresses, timeouts, zone
   * @param catalog the routing table; read per connection or request, never locked
   * @param metrics where to count requests and connections
   */
  public ProxyServer(ProxyConfig config, CatalogStore catalog, ProxyMetrics metrics) {
    this(config, catalog, metrics, CertificateSource.NONE);
  }

  /**
   * @param config listener addresses, timeouts, zone
   * @param catalog the routing table; read per connection or request, never locked
   * @param metrics where to count requests and connections
   * @param certificates server certificates for ports with the tls handler and the shared HTTPS
   *     listener
   */
  public ProxyServer(
      ProxyConfig config,
      CatalogStore catalog,
      ProxyMetrics metrics,
      CertificateSource certificates) {
    this(config, catalog, metrics, certificates, BackendStarter.NONE);
  }

  /**
   * @param starter autostart: asked for a backend when a route has none ready
   */
  public ProxyServer(
      ProxyConfig config,
      CatalogStore catalog,
      ProxyMetrics metrics,
      CertificateSource certificates,
      BackendStarter starter) {
    this(config, catalog, metrics, certificates, starter, NetworkPolicy.OPEN);
  }

  /**
   * @param access network isolation: which clients reach private routes; {@link NetworkPolicy#OPEN}
   *     (what the other constructors use) isolates nothing
   */
  public ProxyServer(
      ProxyConfig config,
      CatalogStore catalog,
      ProxyMetrics metrics,
      CertificateSource certificates,
      BackendStarter starter,
      NetworkPolicy access) {
    // First: says which TLS implementation serves, and refuses tlsProvider=openssl without it.
    SslProvider tlsProvider = TlsContexts.logProvider(config.tlsProvider());
    this.config = config;
    this.catalog = catalog;
    this.transport = Transport.select(config.preferEpoll());
    this.bossGroup = transport.newGroup(1, "flycast-accept");
    this.workerGroup =
        transport.newGroup(
            config.workerThreads() > 0
                ? config.workerThreads()
                : Runtime.getRuntime().availableProcessors(),
            "flycast-proxy");
    this.px =
        new ProxyContext(
            config,
            new ProxyInputs(catalog, certificates, starter, access),
            new Balancer(config.zone(), new LoadTracker()),
            metrics,
            transport,
            clients,
            tlsProvider);
    ServerBootstrap dedicatedBootstrap = serverBootstrap(new DedicatedChannelInitializer(px));
    if (config.dedicatedIpv6Only()
        && config.dedicatedBindAddress() instanceof java.net.Inet6Address
        && config.dedicatedBindAddress().isAnyLocalAddress()
        && transport.name().equals("epoll")) {
      // setsockopt(IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26, 1): no IPv4 on this wildcard socket, so a
      // pod or host service on 10.x/127.x with the same port does not collide with it.
      dedicatedBootstrap.option(
          new io.netty.channel.unix.IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26), 1);
    }
    this.dedicated = new ListenerManager(dedicatedBootstrap, config.dedicatedBindAddress());
  }

  /**
   * Binds the shared HTTP listener (blocking until bound; if it cannot, releases everything and
   * throws {@link IllegalStateException}) and opens dedicated listeners for the catalog's ports,
   * following later catalog changes.
   */
  public ProxyServer start() throws InterruptedException {
    return start(true);
  }

  /**
   * Like {@link #start()}; with {@code followCatalog} false, dedicated listeners open only through
   * {@link #ensureListeners}.
   */
  public ProxyServer start(boolean followCatalog) throws InterruptedException {
    try {
      bindAll(followCatalog);
    } catch (InterruptedException | RuntimeException e) {
      stop(); // do not leak event loop threads when a listener cannot bind
      throw e;
    }
    return this;
  }

  private void bindAll(boolean followCatalog) throws InterruptedException {
    log.info("proxy starting ({} transport, zone {})", transport.name(), config.zone());
    if (config.httpAddress() != null) {
      httpListener = bindShared(new SharedHttpInitializer(px, false), config.httpAddress());
      log.info("shared HTTP listener on {}", httpListener.localAddress());
    }
    if (config.httpsAddress() != null) {
      httpsListener = bindShared(new SharedHttpInitializer(px, true), config.httpsAddress());
      log.info("shared HTTPS listener on {}", httpsListener.localAddress());
    }
    this.followCatalog = followCatalog;
    catalog.addListener(this::onCatalogChange);
    if (followCatalog) {
      dedicated.sync(servicePorts(catalog.current()));
    }
    started = true;
  }

  /**
   * Whether the proxy takes traffic: started, not shutting down, and its shared listeners open.
   * What {@code /readyz} adds to "informers synced": a replica whose proxy cannot listen, or that
   * is shutting down, must leave the Service's endpoints.
   */
  public boolean isServing() {
    Channel http = httpListener;
    Channel https = httpsListener;
    return started
        && !px.leaving()
        && !stopped
        && (http == null || http.isActive())
        && (https == null || https.isActive());
  }

  /**
   * Shutdown begins, {@link #stop()} comes later. From now on {@link #isServing()} is false, so
   * readiness fails and the Service stops sending new connections here, but the listeners stay open
   * and everything is still served: the endpoint's removal takes a while to reach every node, and
   * connections that arrive meanwhile must not be refused. Keep-alive clients are told to go, each
   * on its next response (HTTP/1.1 {@code Connection: close}) or at once (HTTP/2 GOAWAY that still
   * admits streams in flight), so that clients that keep sending have moved to other replicas by
   * the time {@link #stop()} closes the listeners. Idempotent.
   */
  public void beginDrain() {
    if (px.leaving() || stopped) {
      return;
    }
    px.startLeaving();
    clients.forEach(Http2ServerPipeline::goAwayGracefully);
    log.info("proxy draining: still serving, keep-alive clients told to reconnect");
  }

  private Channel bindShared(ChannelHandler initializer, InetSocketAddress at)
      throws InterruptedException {
    ChannelFuture f = serverBootstrap(initializer).bind(at).await();
    if (!f.isSuccess()) {
      throw new IllegalStateException(
          "proxy cannot listen on " + at + ": " + f.cause().getMessage(), f.cause());
    }
    return f.channel();
  }

  /**
   * A backend of {@code route} can take work again for a reason the proxy does not see itself (it
   * passed its health checks again): work waiting for a slot looks again. Any thread.
   */
  public void backendRecovered(RouteKey route) {
    if (!stopped) {
      px.queue().wakeAll(route);
    }
  }

  /** Drops the stored responses of {@code route} on this replica; false when it had none here. */
  public boolean purgeCache(RouteKey route) {
    return px.caches().purge(route);
  }

  /** The balancer: its tracker holds per-backend load (for autostop) and cordons. */
  public Balancer balancer() {
    return px.balancer();
  }

  /** Where the shared HTTP listener is bound (the real port when configured with port 0). */
  public InetSocketAddress httpAddress() {
    Channel ch = httpListener;
    return ch == null ? null : (InetSocketAddress) ch.localAddress();
  }

  /** Where the shared HTTPS listener is bound, or {@code null} when disabled. */
  public InetSocketAddress httpsAddress() {
    Channel ch = httpsListener;
    return ch == null ? null : (InetSocketAddress) ch.localAddress();
  }

  /**
   * Opens dedicated listeners for these ports, if not open yet. Asynchronous; see {@link
   * #dedicatedPorts()}.
   */
  public void ensureListeners(Set<Integer> ports) {
    dedicated.ensure(ports);
  }

  /**
   * Waits (from an ordinary thread) for the listeners {@link #ensureListeners} opened on {@code
   * ports}; true when all are bound within {@code timeout}.
   */
  public boolean awaitListeners(Set<Integer> ports, java.time.Duration timeout)
      throws InterruptedException {
    return dedicated.awaitBound(ports, timeout.toMillis());
  }

  /** Ports whose dedicated listener is bound now. */
  public Set<Integer> dedicatedPorts() {
    return dedicated.boundPorts();
  }

  /** Open client connections (tests look at their pipelines). */
  ChannelGroup clientChannels() {
    return clients;
  }

  /** Every distinct client port of every route in a catalog. */
  static Set<Integer> servicePorts(Catalog catalog) {
    Set<Integer> ports = new HashSet<>();
    for (Route r : catalog.routes()) {
      for (PortSpec p : r.spec().ports()) {
        ports.add(p.port());
      }
    }
    return ports;
  }

  /**
   * Backends changed: new or recovered ones have room the capacity queue would otherwise learn of
   * only by a release, and the load counters of backends that left can go. Specs changed: the
   * dedicated listeners follow the service ports (when this server follows the catalog).
   */
  private void onCatalogChange(CatalogChange change) {
    if (stopped) {
      return;
    }
    for (var key : change.backendsChanged()) {
      Route route = change.catalog().route(key);
      Set<String> names = new HashSet<>();
      if (route != null) {
        route.backends().forEach(b -> names.add(b.name()));
      }
      px.balancer().tracker().retainOnly(key, names);
      px.queue().wakeAll(key);
    }
    // A spec change can raise the limits: waiting work should look again.
    change.specsChanged().forEach(px.queue()::wakeAll);
    for (var key : change.specsChanged()) {
      Route route = change.catalog().route(key);
      px.rateLimits().specChanged(key, route == null ? null : route.spec().rateLimit());
      px.caches().specChanged(key); // what a changed route serves may have changed too
    }
    if (followCatalog && !change.specsChanged().isEmpty()) {
      dedicated.sync(servicePorts(change.catalog()));
    }
  }

  /**
   * Stops accepting, closes idle client connections (an HTTP/2 one after a last GOAWAY naming the
   * last stream taken), lets in-flight work finish for up to {@link ProxyConfig#shutdownGrace()},
   * then closes whatever is left and the event loops. Blocks; call it from an ordinary thread,
   * never from an event loop. Idempotent.
   */
  public void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    for (Channel listener : new Channel[] {httpListener, httpsListener}) {
      if (listener != null) {
        listener.close().syncUninterruptibly();
      }
    }
    dedicated.closeAll();
    px.startDraining();
    clients.forEach(Http2ServerPipeline::goAwayFinally);
    clients.close(ClientChannels::isIdle);
    long graceMs = config.shutdownGrace().toMillis();
    if (!clients.newCloseFuture().awaitUninterruptibly(graceMs)) {
      log.warn("{} connections still open after {} ms; closing them", clients.size(), graceMs);
    }
    clients.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    px.caches().purgeAll(); // the stored bodies are direct memory: give it back now
    log.info("proxy stopped");
  }

  @Override
  public void close() {
    stop();
  }

  private ServerBootstrap serverBootstrap(ChannelHandler childHandler) {
    return new ServerBootstrap()
        .group(bossGroup, workerGroup)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(
            ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(
                config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()))
        .childHandler(childHandler);
  }
}
