package io.flycast;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.admin.AdminAccess;
import io.flycast.admin.AdminEndpoints;
import io.flycast.admin.AdminLimits;
import io.flycast.admin.AdminServer;
import io.flycast.admin.AdminToken;
import io.flycast.admin.CatalogJson;
import io.flycast.allocation.AddressRange;
import io.flycast.allocation.FlycastAddressPool;
import io.flycast.autoscale.AutoscaleMetrics;
import io.flycast.autoscale.Autostarter;
import io.flycast.autoscale.Autostopper;
import io.flycast.autoscale.EarlyProber;
import io.flycast.autoscale.KubernetesBackendScaler;
import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.flycast.control.leader.LeaderElection;
import io.flycast.control.leader.LeaderState;
import io.flycast.control.leader.PeerDirectory;
import io.flycast.control.reconcile.AddressRepair;
import io.flycast.control.reconcile.AutoscaleRecorder;
import io.flycast.control.reconcile.EventRecorder;
import io.flycast.control.reconcile.ExposedServiceReconciler;
import io.flycast.control.reconcile.ServiceReconciler;
import io.flycast.control.watch.CatalogSync;
import io.flycast.control.watch.PodNetworks;
import io.flycast.dns.DnsServer;
import io.flycast.health.HealthChecker;
import io.flycast.informer.Informers;
import io.flycast.informer.Trim;
import io.flycast.informer.TrimmedItemStore;
import io.flycast.network.Cidr;
import io.flycast.network.NetworkPolicy;
import io.flycast.peers.ClusterCordons;
import io.flycast.peers.ClusterLoad;
import io.flycast.peers.LoadReport;
import io.flycast.peers.PeerPoller;
import io.flycast.peers.ProxyLoad;
import io.flycast.peers.ReplicaLoad;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.ProxyServer;
import io.flycast.proxy.balance.LoadTracker;
import io.javaoperatorsdk.operator.Operator;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Flycast process: catalog sync (every replica), the reconcilers and address repair (leader
 * only, through a Kubernetes Lease), and the admin server. Started by {@link Main}, or by tests
 * against an embedded API.
 */
public final class Flycast implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Flycast.class);
  public static final String LEASE_NAME = "flycast-operator";

  private final FlycastConfig config;
  private final KubernetesClient client;
  private final CatalogStore store = new CatalogStore();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final LeaderState leader = new LeaderState();
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private CatalogSync sync;
  private AdminServer admin;
  private AdminEndpoints adminEndpoints;
  private AdminAccess adminAccess;
  private Operator operator;
  private LeaderElection election;
  private DnsServer dns;
  private ProxyServer proxy;
  private Autostarter autostarter;
  private Autostopper autostopper;
  private volatile boolean shuttingDown;
  private AutoscaleRecorder autoscaleRecorder;
  private NetworkPolicy access;

  /** Longest autostop waits for a cordoned backend's in-flight work before stopping it anyway. */
  static final Duration MAX_DRAIN = Duration.ofMinutes(5);

  /**
   * Longest a leader handing over waits for a scale-down it is in the middle of: a few API calls
   * (read the scale, mark the pod, scale, unmark).
   */
  static final Duration SCALE_DOWN_SETTLE = Duration.ofSeconds(10);

  public Flycast(FlycastConfig config, KubernetesClient client) {
    this.config = config;
    this.client = client;
  }

  public Flycast start() throws Exception {
    AddressRange range = AddressRange.forPrefix(config.prefix());
    sync =
        new CatalogSync(
            client,
            store,
            config.allServices(),
            config.permissions().secretNamespaces(),
            config.permissions().scaleKinds());
    closeables.push(sync);
    if (config.adminListen() != null) {
      adminEndpoints =
          new AdminEndpoints(
              this::whyNotReady, registry, () -> CatalogJson.render(store.current()));
      adminAccess = AdminAccess.of(config.adminToken());
      admin =
          new AdminServer(config.adminListen(), adminEndpoints, adminAccess, AdminLimits.DEFAULT)
              .start();
      closeables.push(admin);
    }
    sync.start();
    startNetworks();
    io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
        .name("flycast_catalog_version")
        .help("Version of the current catalog snapshot")
        .callback(cb -> cb.call((double) store.current().version()))
        .register(registry);
    io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
        .name("flycast_leader")
        .help("1 while this replica leads (runs the reconcilers and autostop), else 0")
        .callback(cb -> cb.call(leader.isLeader() ? 1 : 0))
        .register(registry);
    io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
        .name("flycast_catalog_routes")
        .help("Routes in the current catalog snapshot")
        .callback(cb -> cb.call(store.current().size()))
        .register(registry);
    if (config.dnsListen() != null) {
      DnsServer dns =
          new DnsServer(config.dnsListen(), store, config.zone(), access::visibleInDns, registry);
      dns.start();
      closeables.push(dns);
      this.dns = dns;
    }

    FlycastAddressPool pool = new FlycastAddressPool(client, range);
    closeables.push(pool::close);
    AddressRepair repair = new AddressRepair(pool, sync, leader);
    closeables.push(repair);
    repair.start(config.repairInterval());

    EventRecorder events = new EventRecorder(client);
    autoscaleRecorder = new AutoscaleRecorder(sync, events);
    startDataPlane();
    election =
        new LeaderElection(
            client,
            config.leaseNamespace(),
            LEASE_NAME,
            config.identity(),
            leader,
            () -> startOperator(pool, events),
            this::stopLeading);
    election.start();
    log.info(
        "flycast started: prefix {} (Flycast addresses from {}), zone {}; TLS Secrets read in {};"
            + " may scale {}",
        config.prefix(),
        range,
        config.zone(),
        config.permissions().secretNamespaces(),
        config.permissions().scaleKinds().describe());
    return this;
  }

  /**
   * Network isolation: pod IPs to namespaces to networks, one policy for the proxy and DNS. Every
   * replica watches pods, since every replica serves traffic.
   */
  private void startNetworks() {
    var trusted = Cidr.parseList(config.trustedCidrs());
    PodNetworks pods = new PodNetworks(client, sync::namespace);
    closeables.push(pods);
    pods.start();
    access = new NetworkPolicy(pods, trusted);
    log.info(
        "network isolation: private routes reachable from their network's pods{}",
        trusted.isEmpty() ? " only" : " and from " + trusted);
  }

  /** Who may reach which route; DNS and the proxy share it. */
  public NetworkPolicy networkPolicy() {
    return access;
  }

  /**
   * Runs the reconcilers while this replica leads. JOSDK's own leader election needs the
   * SelfSubjectRulesReview API, which not every API server (nor the embedded one) answers;
   * Fabric8's elector needs only Leases.
   */
  private synchronized void startOperator(FlycastAddressPool pool, EventRecorder events) {
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    // Merge patches, not server-side apply: works on every API server including the
                    // embedded one.
                    .withUseSSAToPatchPrimaryResource(false)
                    .withSSABasedCreateUpdateMatchForDependentResources(false)
                    // An object the model cannot read must not end the process (JOSDK's default on
                    // a stopped informer).
                    .withInformerStoppedHandler(new io.flycast.control.watch.InformerStops()));
    // The reconcilers' own informers: the Service one holds every Service of the cluster again,
    // so both page their lists and keep trimmed objects, as the catalog's informers do.
    operator.register(
        new ServiceReconciler(sync, store, pool, events),
        o ->
            o.withItemStore(new TrimmedItemStore<>(Trim::metadata))
                .withInformerListLimit(Informers.LIST_LIMIT));
    operator.register(
        new ExposedServiceReconciler(sync, store, pool, events, autoscaleRecorder),
        o ->
            o.withItemStore(new TrimmedItemStore<>(Trim::metadata))
                .withInformerListLimit(Informers.LIST_LIMIT));
    operator.start();
  }

  /**
   * The proxy and autoscale. Every replica proxies and may autostart (a held request must not wait
   * for the leader; scaling to at least one is idempotent); only the leader autostops.
   */
  private void startDataPlane() throws InterruptedException {
    ScheduledExecutorService timer =
        Executors.newScheduledThreadPool(2, daemon("flycast-autoscale"));
    closeables.push(timer::shutdownNow);
    ExecutorService blocking = Executors.newCachedThreadPool(daemon("flycast-scale"));
    closeables.push(blocking::shutdownNow);
    AutoscaleMetrics autoscaleMetrics = new AutoscaleMetrics(registry);
    KubernetesBackendScaler scaler =
        new KubernetesBackendScaler(client, config.permissions().scaleKinds());
    autostarter =
        new Autostarter(
            store,
            scaler,
            blocking,
            timer,
            config.autostartTimeout(),
            config.maxHeldPerRoute(),
            autoscaleMetrics,
            autoscaleRecorder);
    closeables.push(autostarter);
    if (config.earlyProbing()) {
      // While requests are held, the starting pods are probed here and released to at once,
      // rather than at the kubelet's next probe period (see EarlyProber).
      EarlyProber early =
          new EarlyProber(
              client,
              sync::selector,
              new EarlyProber.Sink() {
                @Override
                public void passed(io.flycast.catalog.RouteKey route, Backend backend) {
                  sync.podReadyEarly(route, backend);
                }

                @Override
                public void forget(io.flycast.catalog.RouteKey route, String pod) {
                  sync.forgetEarly(route, pod);
                }
              },
              config.autostartTimeout().plus(Duration.ofMinutes(1)));
      closeables.push(early);
      autostarter.onColdStart(early::coldStart);
    }
    if (config.httpListen() == null
        && config.tlsListen() == null
        && config.dedicatedListen() == null) {
      return;
    }
    ProxyConfig.Builder pc =
        ProxyConfig.builder()
            .httpAddress(config.httpListen())
            .httpsAddress(config.tlsListen())
            .zone(config.zone())
            .dedicatedIpv6Only(true) // Flycast addresses are IPv6
            .queueTimeout(config.proxyTuning().queueTimeout())
            .maxQueuedPerRoute(config.proxyTuning().maxQueuedPerRoute())
            .startRetryWindow(config.autostartTimeout())
            .workerThreads(config.proxyTuning().threads())
            .tlsProvider(config.proxyTuning().tlsProvider())
            .headerReadTimeout(config.proxyTuning().headerReadTimeout())
            .bodyReadTimeout(config.proxyTuning().bodyReadTimeout())
            .minBodyRate(config.proxyTuning().minBodyRate());
    if (config.dedicatedListen() != null) {
      pc.dedicatedBindAddress(config.dedicatedListen());
    }
    proxy =
        new ProxyServer(
            pc.build(),
            store,
            new ProxyMetrics(registry),
            sync.certificates(),
            autostarter::awaitReady,
            access);
    // Health checks only steer new work away from failing backends; they never restart them.
    HealthChecker health = new HealthChecker(store, registry).start();
    closeables.push(health);
    proxy.balancer().useHealth(health);
    health.onRecovered(proxy::backendRecovered);
    LoadTracker tracker = proxy.balancer().tracker();
    autostarter.usableWhen(
        (route, b) -> b.acceptsNewWork() && !tracker.isCordoned(route, b.name()));
    proxy
        .balancer()
        .onAllOverSoftLimit(
            route ->
                autostarter.scaleOut(
                    route.spec(),
                    (int)
                        route.backends().stream()
                            .filter(io.flycast.catalog.Backend::acceptsNewWork)
                            .count()));
    proxy.start(config.dedicatedListen() != null);
    closeables.push(proxy::stop);
    startPeers(timer, tracker, autoscaleMetrics, scaler);
  }

  /**
   * One load view across replicas: this replica reports its load to whoever leads, and, leading,
   * polls the others and autostops with all of them in view (see {@code io.flycast.peers}).
   */
  private void startPeers(
      ScheduledExecutorService timer,
      LoadTracker tracker,
      AutoscaleMetrics autoscaleMetrics,
      KubernetesBackendScaler scaler) {
    URI endpoint = admin == null ? null : PeerDirectory.endpointFor(admin.address());
    PeerDirectory directory =
        new PeerDirectory(client, config.leaseNamespace(), config.identity(), endpoint).start();
    closeables.push(directory);
    ReplicaLoad replica =
        new ReplicaLoad(
            config.identity(),
            tracker,
            autostarter::heldByRoute,
            this::localStarts,
            PeerPoller.PERIOD.multipliedBy(10));
    timer.scheduleWithFixedDelay(replica::expire, 1, 1, TimeUnit.SECONDS);
    if (adminEndpoints != null) {
      adminEndpoints.peerLoad(replica::answer);
      adminAccess.withPeerToken(AdminToken.of(directory.token()));
    }
    ClusterCordons clusterCordons =
        new ClusterCordons(config.identity(), ProxyLoad.cordons(tracker));
    PeerPoller poller =
        new PeerPoller(
                directory::peers,
                directory::token,
                clusterCordons::current,
                leader::isLeader,
                this::peerReported,
                registry)
            .start();
    closeables.push(poller);
    clusterCordons.poller(poller);
    autostopper =
        new Autostopper(
                new Autostopper.View(
                    store, new ClusterLoad(ProxyLoad.view(tracker), poller), clusterCordons),
                scaler,
                autostarter,
                new Autostopper.Schedule(timer, config.autostopInterval(), MAX_DRAIN),
                new Autostopper.Reporting(autoscaleMetrics, autoscaleRecorder),
                leader::isLeader)
            .start();
  }

  /** This replica's last cold start per route, for its load reports. */
  private List<LoadReport.Start> localStarts() {
    List<LoadReport.Start> starts = new ArrayList<>();
    autoscaleRecorder
        .lastStarts()
        .forEach(
            (key, a) ->
                starts.add(
                    new LoadReport.Start(
                        key.toString(), a.time, a.replicas == null ? 0 : a.replicas, a.reason)));
    return starts;
  }

  /** A report reached the leader: cold starts other replicas made go into status from here. */
  private void peerReported(LoadReport report) {
    for (LoadReport.Start start : report.starts()) {
      String[] key = start.route().split("/", 2);
      if (key.length == 2 && start.time() != null) {
        autoscaleRecorder.startedElsewhere(
            new RouteKey(key[0], key[1]), start.time(), start.replicas(), start.reason());
      }
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** The proxy, or null when no listener is configured. */
  public ProxyServer proxy() {
    return proxy;
  }

  /**
   * Leadership is gone (lost, or handed over on shutdown): a scale-down autostop is in the middle
   * of settles first, then the reconcilers stop, letting reconciles in flight finish.
   */
  private void stopLeading() {
    Autostopper stopper = autostopper;
    try {
      if (stopper != null && !stopper.awaitNoScaleDown(SCALE_DOWN_SETTLE)) {
        log.warn("a scale-down was still under way after {}", SCALE_DOWN_SETTLE);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopOperator();
  }

  private synchronized void stopOperator() {
    if (operator != null) {
      try {
        operator.stop();
      } catch (RuntimeException e) {
        log.warn("operator stop: {}", e.toString());
      }
      operator = null;
    }
  }

  public CatalogStore catalog() {
    return store;
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  public boolean isLeader() {
    return leader.isLeader();
  }

  /**
   * Ready for traffic: every informer synced and the first catalog built, and, when this replica
   * proxies, the proxy listening; and not shutting down.
   */
  public boolean isReady() {
    return whyNotReady() == null;
  }

  /** Null when {@link #isReady()}; otherwise why not, as {@code /readyz} says it. */
  public String whyNotReady() {
    if (shuttingDown) {
      return "shutting down: still serving while the Service's endpoints drop this replica, then"
          + " exiting";
    }
    if (sync == null || !sync.isReady()) {
      return "informers syncing or the first catalog not built";
    }
    boolean proxies =
        config.httpListen() != null
            || config.tlsListen() != null
            || config.dedicatedListen() != null;
    ProxyServer p = proxy;
    if (proxies && (p == null || !p.isServing())) {
      return "the proxy is not listening";
    }
    return null;
  }

  /** The DNS responder, or null when {@code --dns-listen} is empty. */
  public DnsServer dns() {
    return dns;
  }

  public AdminServer admin() {
    return admin;
  }

  /**
   * SIGTERM for a replica behind a Service. At once: readiness fails (so the Service's endpoints
   * drop this replica), the proxy tells keep-alive clients to reconnect, and leadership is handed
   * over (see {@link LeaderElection#close()}). For {@code delay} from the start the proxy still
   * accepts and serves everything: endpoint removal takes that long to reach every node and load
   * balancer, and what they send meanwhile must not be refused. Then the proxy stops accepting and
   * lets work in flight finish for its grace, and everything else stops. Blocks for all of that.
   */
  public void shutDown(Duration delay) {
    long deadline = System.nanoTime() + delay.toNanos();
    shuttingDown = true;
    log.info(
        "shutting down: not ready from now on; serving for {} ms more, then stopping",
        delay.toMillis());
    ProxyServer p = proxy;
    if (p != null) {
      p.beginDrain();
    }
    // The handover waits for a scale-down or reconciles in flight: beside the delay, so that the
    // proxy stops on time whatever it is doing, and within the pod's termination grace period.
    LeaderElection e = election;
    Thread handover =
        Thread.ofPlatform()
            .name("flycast-handover")
            .start(
                () -> {
                  if (e != null) {
                    e.close();
                  }
                });
    try {
      // Not a poll: nothing ends the delay early, as nothing here can see when every node's
      // rules dropped this replica.
      long left = deadline - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.sleep(left);
      }
      if (p != null) {
        p.stop();
      }
      handover.join(); // close() must not stop what the handover still waits for
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    close();
    log.info("flycast stopped");
  }

  @Override
  public void close() {
    shuttingDown = true;
    if (election != null) {
      election.close();
    }
    stopOperator();
    while (!closeables.isEmpty()) {
      try {
        closeables.pop().close();
      } catch (Exception e) {
        log.warn("close: {}", e.toString());
      }
    }
  }
}
