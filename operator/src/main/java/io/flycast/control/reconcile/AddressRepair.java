package io.flycast.control.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.flycast.allocation.AddressOwner;
import io.flycast.allocation.FlycastAddressPool;
import io.flycast.api.ExposedService;
import io.flycast.api.FlycastIP;
import io.flycast.catalog.RouteKey;
import io.flycast.control.FlycastAnnotations;
import io.flycast.control.leader.LeaderState;
import io.flycast.control.translate.ManagedServicePolicy;
import io.flycast.control.watch.CatalogSync;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees addresses whose owner is gone, like the API server's ClusterIP repair loop: level-driven
 * (from the caches, the source of truth), idempotent, and a leak is freed only after it has been
 * seen {@link #SIGHTINGS_BEFORE_RELEASE} passes in a row, so an allocation whose owner has not
 * recorded it yet (a create racing a reconcile) is never taken away.
 */
public final class AddressRepair implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AddressRepair.class);
  static final int SIGHTINGS_BEFORE_RELEASE = 3;

  private final FlycastAddressPool pool;
  private final CatalogSync sync;
  private final LeaderState leader;
  private final Map<String, Integer> sightings = new HashMap<>();
  private final Map<String, Long> firstSeen = new HashMap<>();
  private volatile Duration minAge = Duration.ofSeconds(60);
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "flycast-address-repair");
            t.setDaemon(true);
            return t;
          });

  public AddressRepair(FlycastAddressPool pool, CatalogSync sync, LeaderState leader) {
    this.pool = pool;
    this.sync = sync;
    this.leader = leader;
  }

  public void start(Duration interval) {
    // An address must look leaked for 3 passes *and* 10 intervals before it is freed: under a
    // burst of creates the owner may take a while to record what it was given.
    minAge = interval.multipliedBy(10);
    // Fast path: a deleted Service frees its address now, not after the sightings. (Services
    // carry no finalizer; an ExposedService's Cleaner releases its own.)
    sync.addServiceDeleteListener(obj -> timer.execute(() -> releaseDeleted(obj)));
    timer.scheduleWithFixedDelay(
        this::runSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void releaseDeleted(HasMetadata obj) {
    var ann = obj.getMetadata().getAnnotations();
    String addr = ann == null ? null : ann.get(FlycastAnnotations.FLYCAST_IP);
    if (!leader.isLeader()
        || addr == null
        || ManagedServicePolicy.ownedByExposedService((Service) obj)) {
      return;
    }
    try {
      var m = obj.getMetadata();
      pool.release(
          FlycastAddressPool.parseAddress(addr),
          new AddressOwner(ServiceReconciler.KIND, m.getNamespace(), m.getName(), m.getUid()));
    } catch (RuntimeException e) {
      log.debug(
          "release of deleted {}'s address failed; the repair pass retries: {}",
          obj.getMetadata().getName(),
          e.toString());
    }
  }

  private void runSafely() {
    try {
      if (leader.isLeader() && sync.isReady()) {
        runOnce();
      }
    } catch (RuntimeException e) {
      log.warn("address repair pass failed; next pass retries", e);
    }
  }

  /** One pass. Returns how many addresses it released. */
  synchronized int runOnce() {
    Set<String> seen = new HashSet<>();
    int released = 0;
    for (FlycastIP ip : snapshot()) {
      String name = ip.getMetadata().getName();
      if (holderRecordsIt(ip)) {
        continue;
      }
      seen.add(name);
      int n = sightings.merge(name, 1, Integer::sum);
      long first = firstSeen.computeIfAbsent(name, k -> System.nanoTime());
      if (n >= SIGHTINGS_BEFORE_RELEASE && System.nanoTime() - first >= minAge.toNanos()) {
        var o = ip.getSpec().owner;
        log.info(
            "releasing leaked address {} (owner {}/{}/{} no longer holds it)",
            ip.getSpec().address,
            o.kind,
            o.namespace,
            o.name);
        try {
          pool.releaseLeaked(ip);
          released++;
        } catch (RuntimeException e) {
          log.warn("cannot release {}: {}", ip.getSpec().address, e.toString());
        }
        seen.remove(name);
      }
    }
    sightings.keySet().retainAll(seen);
    firstSeen.keySet().retainAll(seen);
    return released;
  }

  private java.util.List<FlycastIP> snapshot() {
    java.util.List<FlycastIP> all = new java.util.ArrayList<>();
    pool.forEach(all::add);
    return all;
  }

  /** Whether the owner exists (same UID) and records this very address. */
  private boolean holderRecordsIt(FlycastIP ip) {
    var o = ip.getSpec().owner;
    RouteKey key = new RouteKey(o.namespace, o.name);
    HasMetadata holder;
    String recorded;
    if (ExposedService.KIND.equals(o.kind)) {
      ExposedService es = sync.exposedService(key);
      holder = es;
      recorded = es == null || es.getStatus() == null ? null : es.getStatus().address;
    } else {
      Service svc = sync.service(key);
      holder = svc;
      var ann = svc == null ? null : svc.getMetadata().getAnnotations();
      recorded = ann == null ? null : ann.get(FlycastAnnotations.FLYCAST_IP);
      if (svc != null && !sync.policy().isManaged(svc)) {
        return false;
      }
    }
    if (holder == null || (o.uid != null && !o.uid.equals(holder.getMetadata().getUid()))) {
      return false;
    }
    // Not recorded yet is normal right after allocation; the sighting count covers that window.
    return ip.getSpec().address.equals(recorded);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
