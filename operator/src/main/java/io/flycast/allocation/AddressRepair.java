package io.flycast.allocation;

import io.flycast.api.FlycastIP;
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
 * recorded it yet (a create racing a reconcile) is never taken away. It sits beside the allocator
 * as Kubernetes keeps its ClusterIP repair controller beside ipallocator; what it knows of owners
 * comes through {@link AddressHolders}.
 */
public final class AddressRepair implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AddressRepair.class);
  static final int SIGHTINGS_BEFORE_RELEASE = 3;

  private final FlycastAddressPool pool;
  private final AddressHolders holders;
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

  public AddressRepair(FlycastAddressPool pool, AddressHolders holders) {
    this.pool = pool;
    this.holders = holders;
  }

  public void start(Duration interval) {
    // An address must look leaked for 3 passes *and* 10 intervals before it is freed: under a
    // burst of creates the owner may take a while to record what it was given.
    minAge = interval.multipliedBy(10);
    // Fast path: a deleted Service frees its address now, not after the sightings. (Services
    // carry no finalizer; an ExposedService's Cleaner releases its own.)
    holders.onOwnerDeleted((address, owner) -> timer.execute(() -> release(address, owner)));
    timer.scheduleWithFixedDelay(
        this::runSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void release(String address, AddressOwner owner) {
    if (!holders.mayRepair()) {
      return;
    }
    try {
      pool.release(FlycastAddressPool.parseAddress(address), owner);
    } catch (RuntimeException e) {
      log.debug(
          "release of deleted {}'s address failed; the repair pass retries: {}",
          owner.name(),
          e.toString());
    }
  }

  private void runSafely() {
    try {
      if (holders.mayRepair()) {
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
      if (holders.records(ip)) {
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

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
