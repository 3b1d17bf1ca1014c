package io.flycast.proxy.balance;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * In-flight work per backend: open connections or in-flight requests, depending on the route's
 * {@link io.flycast.catalog.ConcurrencyType}. The caller decides what a unit of work is; this class
 * only counts.
 *
 * <p>Counters are atomics in a concurrent map; taking and releasing work never locks. A counter is
 * created the first time a backend gets work and kept while the backend is in the catalog: removing
 * it each time it drops to zero would race with a concurrent increment on the removed instance and
 * under-count. Backends that left the catalog are forgotten ({@link #retainOnly}).
 */
public final class LoadTracker {
  private record Key(RouteKey route, String backend) {}

  /** In-flight count of one backend, and when it last finished a unit of work. */
  static final class BackendLoad extends AtomicInteger {
    volatile long lastActiveNanos;

    void touch() {
      lastActiveNanos = System.nanoTime();
    }
  }

  /**
   * The in-flight counts of one route's backends, by name. A pick takes it once ({@link #of}) and
   * then looks up only the backends it weighs: no key object per lookup, no route lookup per
   * backend.
   */
  final class RouteLoads {
    private final RouteKey route;
    private final ConcurrentHashMap<String, BackendLoad> byBackend = new ConcurrentHashMap<>();

    private RouteLoads(RouteKey route) {
      this.route = route;
    }

    /** Current in-flight work of a backend (0 when it never had any). */
    int load(String backend) {
      BackendLoad c = byBackend.get(backend);
      return c == null ? 0 : c.get();
    }

    /**
     * Takes one unit of work on a backend unless that would reach beyond {@code hardLimit}.
     *
     * @return a lease to release when the work is done, or {@code null} when the backend is at its
     *     hard limit
     */
    Lease tryAcquire(Backend backend, int hardLimit) {
      BackendLoad c = byBackend.get(backend.name());
      if (c == null) {
        c = byBackend.computeIfAbsent(backend.name(), b -> new BackendLoad());
      }
      // CAS loop rather than incrementAndGet-then-undo, so the hard limit is never overshot even
      // for a moment under concurrent picks.
      while (true) {
        int now = c.get();
        if (now >= hardLimit) {
          return null;
        }
        if (c.compareAndSet(now, now + 1)) {
          // Not touched here, only on release: while work is in flight the count says "active",
          // and every core writing the time on both ends made the shared counter's line bounce.
          return new Lease(route, backend, c, LoadTracker.this);
        }
      }
    }
  }

  private final ConcurrentHashMap<RouteKey, RouteLoads> counts = new ConcurrentHashMap<>();
  private final java.util.Set<Key> cordoned = ConcurrentHashMap.newKeySet();
  private volatile BiConsumer<RouteKey, Backend> onRelease = (route, backend) -> {};
  private volatile Consumer<RouteKey> onMoreRoom = route -> {};

  /**
   * Called (on any thread; must not block) each time a lease is released: a slot of that backend is
   * free. The proxy's queue of work waiting for capacity listens here.
   */
  public void onRelease(BiConsumer<RouteKey, Backend> listener) {
    onRelease = listener;
  }

  /** Called when a route may have room for reasons other than a release (a backend uncordoned). */
  public void onMoreRoom(Consumer<RouteKey> listener) {
    onMoreRoom = listener;
  }

  void released(RouteKey route, Backend backend) {
    onRelease.accept(route, backend);
  }

  /**
   * {@link System#nanoTime()} when the backend last finished a unit of work; 0 when never. With
   * {@link #load} (work in flight now), what autostop asks to tell "idle for the whole interval".
   */
  public long lastActiveNanos(RouteKey route, String backend) {
    BackendLoad c = find(route, backend);
    return c == null ? 0 : c.lastActiveNanos;
  }

  /** Stops new work going to a backend (autostop drains it before stopping it). */
  public void cordon(RouteKey route, String backend) {
    cordoned.add(new Key(route, backend));
  }

  public void uncordon(RouteKey route, String backend) {
    if (cordoned.remove(new Key(route, backend))) {
      onMoreRoom.accept(route);
    }
  }

  /** Whether the backend is cordoned; a plain emptiness check when nothing is (the usual case). */
  public boolean isCordoned(RouteKey route, String backend) {
    return !cordoned.isEmpty() && cordoned.contains(new Key(route, backend));
  }

  /** One backend's counters, as {@link #forEachBackend} hands them out. */
  public interface BackendVisitor {
    /**
     * @param lastActiveNanos {@link System#nanoTime()} of its last finished work; 0 when never
     */
    void visit(RouteKey route, String backend, int inFlight, long lastActiveNanos);
  }

  /**
   * Every backend this proxy has had work for and still tracks: what a replica reports of its load
   * to the one that decides autostop (see {@code io.flycast.peers}).
   */
  public void forEachBackend(BackendVisitor visitor) {
    counts.forEach(
        (route, loads) ->
            loads.byBackend.forEach(
                (backend, c) -> visitor.visit(route, backend, c.get(), c.lastActiveNanos)));
  }

  /** Current in-flight work of a backend of a route (0 when it never had any). */
  public int load(RouteKey route, String backend) {
    RouteLoads r = counts.get(route);
    return r == null ? 0 : r.load(backend);
  }

  /** {@link RouteLoads#tryAcquire} on {@code route}'s counts. */
  public Lease tryAcquire(RouteKey route, Backend backend, int hardLimit) {
    return of(route).tryAcquire(backend, hardLimit);
  }

  /** The counts of {@code route}'s backends, to look several up in one pick. */
  RouteLoads of(RouteKey route) {
    RouteLoads r = counts.get(route);
    return r != null ? r : counts.computeIfAbsent(route, RouteLoads::new);
  }

  /**
   * Forgets the idle counters of a route's backends that are no longer in {@code current} (pods
   * come and go; their counters would otherwise pile up for the life of the process). A counter
   * with work still in flight stays until a later call finds it idle. Should a pick on an older
   * catalog snapshot still reach a forgotten backend, its lease counts on the removed counter and
   * releases there: consistent, and about a backend that is leaving anyway.
   */
  public void retainOnly(RouteKey route, java.util.Set<String> current) {
    RouteLoads r = counts.get(route);
    if (r != null) {
      r.byBackend
          .entrySet()
          .removeIf(e -> !current.contains(e.getKey()) && e.getValue().get() == 0);
    }
  }

  private BackendLoad find(RouteKey route, String backend) {
    RouteLoads r = counts.get(route);
    return r == null ? null : r.byBackend.get(backend);
  }
}
