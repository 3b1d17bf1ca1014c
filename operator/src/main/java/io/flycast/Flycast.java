package io.flycast;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.admin.AdminAccess;
import io.flycast.admin.AdminEndpoints;
import io.flycast.admin.AdminLimits;
import io.flycast.admin.AdminServer;
import io.flycast.admin.CatalogJson;
import io.flycast.admin.RouteStatusJson;
import io.flycast.allocation.AddressRange;
import io.flycast.allocation.AddressRepair;
import io.flycast.allocation.FlycastAddressPool;
import io.flycast.autoscale.KubernetesBackendScaler;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.flycast.control.leader.LeaderElection;
import io.flycast.control.leader.LeaderState;
import io.flycast.control.reconcile.AutoscaleRecorder;
import io.flycast.control.reconcile.CachedAddressHolders;
import io.flycast.control.reconcile.EventRecorder;
import io.flycast.control.watch.CatalogSync;
import io.flycast.control.watch.PodNetworks;
import io.flycast.dns.DnsServer;
import io.flycast.network.Cidr;
import io.flycast.network.NetworkPolicy;
import io.flycast.proxy.ProxyServer;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Flycast process: catalog sync (every replica), the reconcilers and address repair (leader
 * only, through a Kubernetes Lease), the data plane ({@link DataPlane}), the load view shared with
 * the other replicas ({@link LoadSharing}) and the admin server. Started by {@link Main}, or by
 * tests against an embedded API. This class holds the lifecycle: start, readiness, shutdown.
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
  private final Wiring wiring;
  private CatalogSync sync;
  private AdminServer admin;
  private AdminEndpoints adminEndpoints;
  private AdminAccess adminAccess;
  private LeaderDuties leaderDuties;
  private LeaderElection election;
  private DnsServer dns;
  private ProxyServer proxy;
  private volatile boolean shuttingDown;
  private NetworkPolicy access;

  public Flycast(FlycastConfig config, KubernetesClient client) {
    this.config = config;
    this.client = client;
    this.wiring = new Wiring(config, client, store, registry, leader, closeables);
  }

  public Flycast start() throws Exception {
    AddressRange range = AddressRange.forPrefix(config.prefix());
    sync =
        wiring.own(
            new CatalogSync(
                client,
                store,
                config.allServices(),
                config.permissions().secretNamespaces(),
                config.permissions().scaleKinds(),
                config.proxyTuning().cacheMaxBytes()));
    if (config.adminListen() != null) {
      adminEndpoints =
          new AdminEndpoints(
              this::whyNotReady, registry, () -> CatalogJson.render(store.current()));
      adminAccess = AdminAccess.of(config.adminToken());
      admin =
          wiring.own(
              new AdminServer(
                      config.adminListen(), adminEndpoints, adminAccess, AdminLimits.DEFAULT)
                  .start());
    }
    if (adminEndpoints != null) {
      CatalogSync watched = sync;
      adminEndpoints.routeStatus(() -> RouteStatusJson.render(watched.exposedServices()));
    }
    sync.start();
    startNetworks();
    registerGauges();
    if (config.dnsListen() != null) {
      dns =
          wiring.own(
              new DnsServer(
                  config.dnsListen(), store, config.zone(), access::visibleInDns, registry));
      dns.start();
    }

    FlycastAddressPool pool = new FlycastAddressPool(client, range);
    closeables.push(pool::close);
    wiring
        .own(new AddressRepair(pool, new CachedAddressHolders(sync, leader)))
        .start(config.repairInterval());

    EventRecorder events = new EventRecorder(client);
    AutoscaleRecorder autoscaleRecorder = new AutoscaleRecorder(sync, events);
    KubernetesBackendScaler scaler =
        new KubernetesBackendScaler(client, config.permissions().scaleKinds());
    leaderDuties = new LeaderDuties(wiring, sync, pool, events, autoscaleRecorder, scaler);
    DataPlane dataPlane =
        DataPlane.start(wiring, sync.certificates(), access, autoscaleRecorder, scaler, sync);
    proxy = dataPlane.proxy();
    if (proxy != null && adminEndpoints != null) {
      ProxyServer serving = proxy;
      adminEndpoints.cachePurge(
          route -> {
            int slash = route.indexOf('/');
            return serving.purgeCache(
                new RouteKey(route.substring(0, slash), route.substring(slash + 1)));
          });
    }
    if (proxy != null) {
      leaderDuties.autostopper(
          LoadSharing.start(
              wiring, dataPlane, admin, adminEndpoints, adminAccess, autoscaleRecorder));
    }
    election =
        new LeaderElection(
            client,
            config.leaseNamespace(),
            LEASE_NAME,
            config.identity(),
            leader,
            leaderDuties::start,
            leaderDuties::stopLeading);
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

  private void registerGauges() {
    GaugeWithCallback.builder()
        .name("flycast_catalog_version")
        .help("Version of the current catalog snapshot")
        .callback(cb -> cb.call((double) store.current().version()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("flycast_leader")
        .help("1 while this replica leads (runs the reconcilers and autostop), else 0")
        .callback(cb -> cb.call(leader.isLeader() ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder()
        .name("flycast_catalog_routes")
        .help("Routes in the current catalog snapshot")
        .callback(cb -> cb.call(store.current().size()))
        .register(registry);
  }

  /**
   * Network isolation: pod IPs to namespaces to networks, one policy for the proxy and DNS. Every
   * replica watches pods, since every replica serves traffic.
   */
  private void startNetworks() {
    var trusted = Cidr.parseList(config.trustedCidrs());
    PodNetworks pods = wiring.own(new PodNetworks(client, sync::namespace));
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

  /** The proxy, or null when no listener is configured. */
  public ProxyServer proxy() {
    return proxy;
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
    ProxyServer p = proxy;
    if (wiring.proxies() && (p == null || !p.isServing())) {
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
    if (leaderDuties != null) {
      leaderDuties.stop();
    }
    while (!closeables.isEmpty()) {
      try {
        closeables.pop().close();
      } catch (Exception e) {
        log.warn("close: {}", e.toString());
      }
    }
  }
}
