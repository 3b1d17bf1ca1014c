package io.flycast.catalog;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the current {@link Catalog} and publishes the next one.
 *
 * <p>Readers call {@link #current()}: one volatile read, no lock, never waits on a writer (Fly's
 * worst proxy outages came from read/write locks on its catalog; seed 002). Writers are serialized
 * on this object's monitor, which only writers ever take; each write publishes a new snapshot with
 * a single reference swap, then tells listeners what changed. Every write costs O(log n): the
 * snapshots are persistent maps that share everything but the change.
 *
 * <p>Specs and backends arrive independently (an EndpointSlice may be seen before its Service has
 * an address), so backends for routes with no spec yet are kept aside until the spec appears.
 */
public final class CatalogStore {
  private static final Logger log = LoggerFactory.getLogger(CatalogStore.class);

  private volatile Catalog current = Catalog.EMPTY;
  private PMap<RouteKey, List<Backend>> backends = HashTreePMap.empty();
  private final List<Consumer<CatalogChange>> listeners = new CopyOnWriteArrayList<>();

  /** The current snapshot. Never null, never blocks. */
  public Catalog current() {
    return current;
  }

  /** Registers a listener called, on the writer's thread, after every publish. */
  public void addListener(Consumer<CatalogChange> listener) {
    listeners.add(listener);
  }

  /**
   * Adds or replaces a route's spec. Publishes a new snapshot only when the spec differs from the
   * current one; the route's {@link Route#specVersion()} then becomes the new version.
   */
  public void putSpec(RouteSpec spec) {
    Objects.requireNonNull(spec.address(), "address");
    RouteKey key = spec.key();
    CatalogChange change;
    synchronized (this) {
      Catalog cat = current;
      Route old = cat.route(key);
      if (old != null && old.spec().equals(spec)) {
        return;
      }
      long version = cat.version() + 1;
      Route route = new Route(spec, backends.getOrDefault(key, List.of()), version);
      PMap<InetAddress, List<RouteKey>> byAddress = cat.addressIndex();
      PMap<String, List<RouteKey>> byHost = cat.hostnameIndex();
      Set<String> hosts = normalized(spec);
      if (old != null) {
        if (!old.spec().address().equals(spec.address())) {
          byAddress = unclaim(byAddress, old.spec().address(), key);
        }
        for (String h : normalized(old.spec())) {
          if (!hosts.contains(h)) {
            byHost = unclaim(byHost, h, key);
          }
        }
      }
      byAddress = claim(byAddress, spec.address(), key);
      for (String h : hosts) {
        byHost = claim(byHost, h, key);
      }
      change =
          publish(
              new Catalog(version, cat.routeMap().plus(key, route), byAddress, byHost),
              Set.of(key),
              Set.of());
    }
    notifyListeners(change);
  }

  /** Removes a route (its backends are forgotten too). No-op when absent. */
  public void remove(RouteKey key) {
    CatalogChange change;
    synchronized (this) {
      backends = backends.minus(key);
      Catalog cat = current;
      Route old = cat.route(key);
      if (old == null) {
        return;
      }
      PMap<InetAddress, List<RouteKey>> byAddress =
          unclaim(cat.addressIndex(), old.spec().address(), key);
      PMap<String, List<RouteKey>> byHost = cat.hostnameIndex();
      for (String h : normalized(old.spec())) {
        byHost = unclaim(byHost, h, key);
      }
      change =
          publish(
              new Catalog(cat.version() + 1, cat.routeMap().minus(key), byAddress, byHost),
              Set.of(key),
              Set.of());
    }
    notifyListeners(change);
  }

  /** Sets a route's backends. Kept aside until the route has a spec. */
  public void putBackends(RouteKey key, List<Backend> list) {
    CatalogChange change;
    synchronized (this) {
      List<Backend> copy = List.copyOf(list);
      if (copy.equals(backends.getOrDefault(key, List.of()))) {
        return;
      }
      backends = copy.isEmpty() ? backends.minus(key) : backends.plus(key, copy);
      Catalog cat = current;
      Route old = cat.route(key);
      if (old == null) {
        return;
      }
      Route route = new Route(old.spec(), copy, old.specVersion());
      Catalog next =
          new Catalog(
              cat.version() + 1,
              cat.routeMap().plus(key, route),
              cat.addressIndex(),
              cat.hostnameIndex());
      change = publish(next, Set.of(), Set.of(key));
    }
    notifyListeners(change);
  }

  /** Keys of every route currently in the catalog. */
  public Set<RouteKey> keys() {
    return new HashSet<>(current.routeMap().keySet());
  }

  private CatalogChange publish(Catalog next, Set<RouteKey> specs, Set<RouteKey> bs) {
    current = next;
    return new CatalogChange(next, specs, bs);
  }

  private void notifyListeners(CatalogChange change) {
    for (Consumer<CatalogChange> l : listeners) {
      try {
        l.accept(change);
      } catch (RuntimeException e) {
        log.warn("catalog listener failed", e);
      }
    }
  }

  private static Set<String> normalized(RouteSpec spec) {
    Set<String> out = new java.util.LinkedHashSet<>();
    for (String h : spec.allHostnames()) {
      out.add(Catalog.normalizeHost(h));
    }
    return out;
  }

  private static <K> PMap<K, List<RouteKey>> claim(
      PMap<K, List<RouteKey>> index, K k, RouteKey key) {
    List<RouteKey> claimants = index.get(k);
    if (claimants == null) {
      return index.plus(k, List.of(key));
    }
    if (claimants.contains(key)) {
      return index;
    }
    log.warn(
        "{} claims {}, already routed to {}; first claimant keeps it", key, k, claimants.get(0));
    List<RouteKey> more = new ArrayList<>(claimants);
    more.add(key);
    return index.plus(k, List.copyOf(more));
  }

  private static <K> PMap<K, List<RouteKey>> unclaim(
      PMap<K, List<RouteKey>> index, K k, RouteKey key) {
    List<RouteKey> claimants = index.get(k);
    if (claimants == null || !claimants.contains(key)) {
      return index;
    }
    if (claimants.size() == 1) {
      return index.minus(k);
    }
    List<RouteKey> rest = new ArrayList<>(claimants);
    rest.remove(key);
    return index.plus(k, List.copyOf(rest));
  }
}
