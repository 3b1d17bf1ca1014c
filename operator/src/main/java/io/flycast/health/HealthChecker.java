package io.flycast.health;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Catalog;
import io.flycast.catalog.CatalogChange;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.HealthCheck;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the health checks of every backend of every route that declares some, and answers {@link
 * BackendHealth#healthy} from the latest results.
 *
 * <p>Everything runs on one Netty event loop of its own: probes are non-blocking connects (and one
 * HTTP request), so a single thread keeps thousands of backends checked, and no proxy event loop
 * ever waits on a slow backend. Catalog changes are handed to that loop, so the set of checked
 * backends is only ever changed by one thread; readers see it through a concurrent map and a
 * volatile flag per backend, and never lock.
 *
 * <p>A backend is checked from {@code gracePeriod} after the checker first sees it (in this route,
 * at this address), then every {@code interval} after the previous probe ended (so probes of one
 * check never overlap). See {@link CheckResults} for the thresholds.
 */
public final class HealthChecker implements BackendHealth, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

  private record Key(RouteKey route, String backend) {}

  /** One checked backend: its address and checks as they were when it was (re)started. */
  private static final class Target {
    final Backend backend;
    final List<HealthCheck> checks;
    final long firstSeenNanos;
    final CheckResults results = new CheckResults();
    boolean stopped;

    Target(Backend backend, List<HealthCheck> checks, long firstSeenNanos) {
      this.backend = backend;
      this.checks = checks;
      this.firstSeenNanos = firstSeenNanos;
    }
  }

  private final CatalogStore store;
  private final EventLoopGroup group =
      new NioEventLoopGroup(1, new DefaultThreadFactory("flycast-health", true));
  private final EventLoop loop = group.next();
  private final ConcurrentHashMap<Key, Target> targets = new ConcurrentHashMap<>();
  private final HealthMetrics metrics;
  private volatile boolean closed;

  /**
   * @param store the catalog whose routes' checks to run
   * @param registry where to publish health metrics; {@code null} for none
   */
  public HealthChecker(CatalogStore store, PrometheusRegistry registry) {
    this.store = store;
    this.metrics =
        registry == null ? HealthMetrics.NONE : new HealthMetrics(registry, this::unhealthyByRoute);
  }

  /** Starts checking the catalog's backends and follows later catalog changes. */
  public HealthChecker start() {
    store.addListener(this::onChange);
    loop.execute(() -> sync(store.current(), null));
    return this;
  }

  /**
   * Called (on the checker's thread; must not block) when a backend of a route passes its checks
   * again: work waiting for room on that route may use it.
   */
  public void onRecovered(java.util.function.Consumer<RouteKey> listener) {
    onRecovered = listener;
  }

  private volatile java.util.function.Consumer<RouteKey> onRecovered = route -> {};

  @Override
  public boolean healthy(RouteKey route, String backend) {
    // No map lookup cost when nothing is checked (the usual case: most routes declare no checks).
    if (targets.isEmpty()) {
      return true;
    }
    Target t = targets.get(new Key(route, backend));
    return t == null || t.results.healthy();
  }

  /** Stops every check and the checker's event loop. */
  @Override
  public void close() {
    closed = true;
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private void onChange(CatalogChange change) {
    if (closed) {
      return;
    }
    Set<RouteKey> changed = new HashSet<>(change.specsChanged());
    changed.addAll(change.backendsChanged());
    if (!changed.isEmpty()) {
      loop.execute(() -> sync(change.catalog(), changed));
    }
  }

  /**
   * Brings the checked set in line with {@code catalog} for {@code routes} ({@code null}: all).
   * Runs on the loop. Reading the snapshot passed in, not the store, is fine: a later change queues
   * its own sync behind this one.
   */
  private void sync(Catalog catalog, Set<RouteKey> routes) {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    Map<Key, Target> keep = new HashMap<>();
    for (Route r : catalog.routes()) {
      if (routes != null && !routes.contains(r.key())) {
        continue;
      }
      List<HealthCheck> checks = r.spec().checks();
      for (Backend b : checks.isEmpty() ? List.<Backend>of() : r.backends()) {
        Key key = new Key(r.key(), b.name());
        Target old = targets.get(key);
        if (old != null && old.backend.address().equals(b.address()) && old.checks.equals(checks)) {
          keep.put(key, old);
          continue;
        }
        // A new address is a new instance (a StatefulSet pod recreated): its grace starts over.
        // New checks on the same instance keep its grace clock.
        boolean sameInstance = old != null && old.backend.address().equals(b.address());
        Target t = new Target(b, checks, sameInstance ? old.firstSeenNanos : now);
        keep.put(key, t);
        if (old != null) {
          old.stopped = true;
        }
        targets.put(key, t);
        schedule(key, t, now);
      }
    }
    targets
        .entrySet()
        .removeIf(
            e -> {
              boolean gone =
                  (routes == null || routes.contains(e.getKey().route()))
                      && !keep.containsKey(e.getKey());
              if (gone) {
                e.getValue().stopped = true;
              }
              return gone;
            });
  }

  private void schedule(Key key, Target t, long now) {
    for (int i = 0; i < t.checks.size(); i++) {
      HealthCheck c = t.checks.get(i);
      long delay = Math.max(0, t.firstSeenNanos + c.gracePeriod().toNanos() - now);
      int index = i;
      loop.schedule(() -> probe(key, t, index), delay, TimeUnit.NANOSECONDS);
    }
  }

  private void probe(Key key, Target t, int index) {
    if (t.stopped || closed) {
      return;
    }
    HealthCheck c = t.checks.get(index);
    Probe.run(
        loop,
        c,
        t.backend.address(),
        passed -> {
          if (t.stopped || closed) {
            return;
          }
          if (!passed) {
            metrics.failed(
                key.route().toString(), c.kind().name().toLowerCase(java.util.Locale.ROOT));
          }
          if (t.results.record(index, passed)) {
            log.info(
                "{} backend {} is now {} ({} check on port {})",
                key.route(),
                key.backend(),
                passed ? "healthy" : "unhealthy: it gets no new work",
                c.kind(),
                c.port());
            if (t.results.healthy()) {
              onRecovered.accept(key.route());
            }
          }
          loop.schedule(() -> probe(key, t, index), c.interval().toNanos(), TimeUnit.NANOSECONDS);
        });
  }

  /** Unhealthy backends per route, for the gauge. */
  private Map<String, Integer> unhealthyByRoute() {
    Map<String, Integer> out = new HashMap<>();
    for (Map.Entry<Key, Target> e : targets.entrySet()) {
      if (!e.getValue().results.healthy()) {
        out.merge(e.getKey().route().toString(), 1, Integer::sum);
      }
    }
    return out;
  }
}
