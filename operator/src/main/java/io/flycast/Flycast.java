package io.flycast;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.admin.AdminServer;
import io.flycast.admin.CatalogJson;
import io.flycast.allocation.AddressRange;
import io.flycast.allocation.FlycastAddressPool;
import io.flycast.catalog.CatalogStore;
import io.flycast.control.AddressRepair;
import io.flycast.control.CatalogSync;
import io.flycast.control.EventRecorder;
import io.flycast.control.ExposedServiceReconciler;
import io.flycast.control.LeaderElection;
import io.flycast.control.LeaderState;
import io.flycast.control.ServiceReconciler;
import io.flycast.dns.DnsServer;
import io.javaoperatorsdk.operator.Operator;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayDeque;
import java.util.Deque;
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
  private Operator operator;
  private LeaderElection election;
  private DnsServer dns;

  public Flycast(FlycastConfig config, KubernetesClient client) {
    this.config = config;
    this.client = client;
  }

  public Flycast start() throws Exception {
    AddressRange range = AddressRange.forPrefix(config.prefix());
    sync = new CatalogSync(client, store, config.allServices());
    closeables.push(sync);
    if (config.adminListen() != null) {
      admin = new AdminServer(config.adminListen(), sync::isReady, registry, () -> CatalogJson.render(store.current())).start();
      closeables.push(admin);
    }
    sync.start();
    if (config.dnsListen() != null) {
      DnsServer dns = new DnsServer(config.dnsListen(), store, config.zone(), registry);
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
    election = new LeaderElection(client, config.leaseNamespace(), LEASE_NAME, config.identity(), leader,
        () -> startOperator(pool, events), this::stopOperator);
    election.start();
    log.info("flycast started: prefix {} (Flycast addresses from {}), zone {}", config.prefix(), range, config.zone());
    return this;
  }

  /**
   * Runs the reconcilers while this replica leads. JOSDK's own leader election needs the
   * SelfSubjectRulesReview API, which not every API server (nor the embedded one) answers;
   * Fabric8's elector needs only Leases.
   */
  private synchronized void startOperator(FlycastAddressPool pool, EventRecorder events) {
    operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(false)
        // Merge patches, not server-side apply: works on every API server including the embedded one.
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false));
    operator.register(new ServiceReconciler(sync, store, pool, events));
    operator.register(new ExposedServiceReconciler(sync, store, pool, events));
    operator.start();
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

  public boolean isReady() {
    return sync != null && sync.isReady();
  }

  /** The DNS responder, or null when {@code --dns-listen} is empty. */
  public DnsServer dns() {
    return dns;
  }

  public AdminServer admin() {
    return admin;
  }

  @Override
  public void close() {
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
