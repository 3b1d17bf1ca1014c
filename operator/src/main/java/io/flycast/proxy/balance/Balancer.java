package io.flycast.proxy.balance;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.Route;
import io.flycast.health.BackendHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Chooses the backend for new work, the way Fly's proxy does.
 *
 * <ol>
 *   <li>Only backends that {@link Backend#acceptsNewWork() accept new work} and pass their health
 *       checks ({@link BackendHealth}).
 *   <li>Backends in the proxy's own zone first; other zones only when every local backend is
 *       absent, unhealthy or at its hard limit (a busy-but-not-full local backend beats a round
 *       trip to another region).
 *   <li>Within a zone, backends under the soft limit; if none, those under the hard limit.
 *   <li>Among those, the less loaded of two picked at random ("power of two choices": nearly as
 *       good as least-loaded, without every proxy stampeding the same backend).
 * </ol>
 *
 * <p>Pure logic over a {@link LoadTracker}; no locks, no I/O.
 */
public final class Balancer {
  private final String zone;
  private final LoadTracker tracker;
  private final Supplier<RandomGenerator> random;

  /**
   * @param zone the proxy's own zone; {@code null} or blank treats every backend as local
   * @param tracker where in-flight work is counted
   */
  public Balancer(String zone, LoadTracker tracker) {
    this(zone, tracker, ThreadLocalRandom::current);
  }

  /**
   * @param health which backends pass their health checks; read on every pick, must not block
   */
  public Balancer(String zone, LoadTracker tracker, BackendHealth health) {
    this(zone, tracker, ThreadLocalRandom::current);
    useHealth(health);
  }

  Balancer(String zone, LoadTracker tracker, Supplier<RandomGenerator> random) {
    this.zone = zone == null || zone.isBlank() ? null : zone;
    this.tracker = tracker;
    this.random = random;
  }

  private volatile BackendHealth health = BackendHealth.ALL_HEALTHY;

  /**
   * Skips backends {@code health} calls unhealthy from now on. Set after construction because the
   * proxy builds its own balancer; until then every backend counts as healthy.
   */
  public void useHealth(BackendHealth health) {
    this.health = health == null ? BackendHealth.ALL_HEALTHY : health;
  }

  private volatile java.util.function.Consumer<Route> overSoftLimit = r -> {};

  /**
   * Called (on an event loop: must not block) when a pick finds every backend of a zone at or over
   * its soft limit: autostart's cue to start one more.
   */
  public void onAllOverSoftLimit(java.util.function.Consumer<Route> listener) {
    this.overSoftLimit = listener;
  }

  /** Which backends pass their health checks (all, unless {@link #useHealth} set a checker). */
  public BackendHealth health() {
    return health;
  }

  public LoadTracker tracker() {
    return tracker;
  }

  /** Picks a backend of {@code route}; {@code null} when none can take work. */
  public Lease pick(Route route) {
    return pick(route, Set.of());
  }

  /**
   * Picks a backend of {@code route} whose name is not in {@code exclude} (backends already tried
   * for this piece of work); {@code null} when none can take work.
   */
  public Lease pick(Route route, Set<String> exclude) {
    return pick(route, exclude, b -> true);
  }

  /**
   * Picks among the backends of {@code route} that pass {@code filter} (for {@code fly-replay}: one
   * instance, one region) and are not in {@code exclude}; {@code null} when none can.
   */
  public Lease pick(Route route, Set<String> exclude, Predicate<Backend> filter) {
    List<Backend> local = new ArrayList<>();
    List<Backend> remote = new ArrayList<>();
    BackendHealth h = health;
    for (Backend b : route.backends()) {
      if (b.acceptsNewWork()
          && !exclude.contains(b.name())
          && filter.test(b)
          && !tracker.isCordoned(route.key(), b.name())
          && h.healthy(route.key(), b.name())) {
        (isLocal(b) ? local : remote).add(b);
      }
    }
    Lease lease = pickIn(route, local);
    return lease != null ? lease : pickIn(route, remote);
  }

  private boolean isLocal(Backend b) {
    return zone == null || zone.equals(b.zone());
  }

  /** Picks within one zone group; retries when a concurrent pick filled the chosen backend. */
  private Lease pickIn(Route route, List<Backend> group) {
    if (group.isEmpty()) {
      return null;
    }
    Concurrency limits = route.spec().concurrency();
    LoadTracker.RouteLoads loads = tracker.of(route.key());
    for (int attempt = 0; attempt < 4; attempt++) {
      List<Backend> eligible = underLimit(loads, group, limits.softLimit());
      if (eligible.isEmpty()) {
        overSoftLimit.accept(route);
        eligible = underLimit(loads, group, limits.hardLimit());
      }
      if (eligible.isEmpty()) {
        return null;
      }
      Backend chosen = twoChoices(loads, eligible);
      Lease lease = loads.tryAcquire(chosen, limits.hardLimit());
      if (lease != null) {
        return lease;
      }
    }
    return null;
  }

  private List<Backend> underLimit(LoadTracker.RouteLoads loads, List<Backend> group, int limit) {
    List<Backend> out = new ArrayList<>(group.size());
    for (Backend b : group) {
      if (loads.load(b.name()) < limit) {
        out.add(b);
      }
    }
    return out;
  }

  private Backend twoChoices(LoadTracker.RouteLoads loads, List<Backend> eligible) {
    RandomGenerator rnd = random.get();
    int n = eligible.size();
    if (n == 1) {
      return eligible.get(0);
    }
    int i = rnd.nextInt(n);
    int j = rnd.nextInt(n - 1);
    if (j >= i) {
      j++; // two distinct indices, uniformly
    }
    Backend a = eligible.get(i);
    Backend b = eligible.get(j);
    int la = loads.load(a.name());
    int lb = loads.load(b.name());
    if (la != lb) {
      return la < lb ? a : b;
    }
    return rnd.nextBoolean() ? a : b;
  }
}
