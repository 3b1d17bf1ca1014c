package io.flycast.proxy;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-flight work per backend: open connections or in-flight requests, depending on the route's
 * {@link io.flycast.catalog.ConcurrencyType}. The caller decides what a unit of work is; this
 * class only counts.
 *
 * <p>Counters are atomics in a concurrent map; taking and releasing work never locks. A counter
 * is created the first time a backend gets work and kept afterwards: removing it when it drops
 * to zero would race with a concurrent increment on the removed instance and under-count.
 */
public final class LoadTracker {
  private record Key(RouteKey route, String backend) {}

  private final ConcurrentHashMap<Key, AtomicInteger> counts = new ConcurrentHashMap<>();

  /** Current in-flight work of a backend of a route (0 when it never had any). */
  public int load(RouteKey route, String backend) {
    AtomicInteger c = counts.get(new Key(route, backend));
    return c == null ? 0 : c.get();
  }

  /**
   * Takes one unit of work on a backend unless that would reach beyond {@code hardLimit}.
   *
   * @return a lease to release when the work is done, or {@code null} when the backend is at its
   *     hard limit
   */
  public Lease tryAcquire(RouteKey route, Backend backend, int hardLimit) {
    AtomicInteger c = counter(route, backend.name());
    // CAS loop rather than incrementAndGet-then-undo, so the hard limit is never overshot even
    // for a moment under concurrent picks.
    while (true) {
      int now = c.get();
      if (now >= hardLimit) {
        return null;
      }
      if (c.compareAndSet(now, now + 1)) {
        return new Lease(route, backend, c);
      }
    }
  }

  private AtomicInteger counter(RouteKey route, String backend) {
    Key key = new Key(route, backend);
    AtomicInteger c = counts.get(key);
    return c != null ? c : counts.computeIfAbsent(key, k -> new AtomicInteger());
  }
}
