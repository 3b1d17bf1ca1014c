package io.flycast.proxy.cache;

import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.RouteKey;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The response caches of the routes that have one, on this replica, and the replica-wide byte cap
 * over all of them ({@code --cache-max-size}). A route's cache is made on its first request and
 * dropped whenever the route's spec changes or the route goes: what a changed route serves may have
 * changed too.
 *
 * <p>The total is kept under the cap after each store by dropping the coldest entries: those of the
 * route that stored, then of the others.
 */
public final class ResponseCaches {
  private final long maxBytes;
  private final AtomicLong total = new AtomicLong();
  private final ConcurrentMap<RouteKey, RouteCache> byRoute = new ConcurrentHashMap<>();

  /**
   * @param maxBytes the replica's cache size over every route
   */
  public ResponseCaches(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The replica-wide cap, in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes stored now over every route. */
  public long bytes() {
    return total.get();
  }

  /** The cache of {@code route} under {@code settings}; null when the route caches nothing. */
  public RouteCache forRoute(RouteKey route, CacheSettings settings) {
    if (settings == null) {
      RouteCache gone = byRoute.remove(route);
      if (gone != null) {
        gone.purge();
      }
      return null;
    }
    RouteCache current = byRoute.get(route);
    if (current != null && current.settings().equals(settings)) {
      return current;
    }
    RouteCache[] replaced = new RouteCache[1];
    RouteCache now =
        byRoute.compute(
            route,
            (k, old) -> {
              if (old != null && old.settings().equals(settings)) {
                return old;
              }
              replaced[0] = old;
              return new RouteCache(settings, total);
            });
    if (replaced[0] != null) {
      replaced[0].purge();
    }
    return now;
  }

  /** The route's spec changed or it went: its stored responses are dropped. */
  public void specChanged(RouteKey route) {
    purge(route);
  }

  /** Drops the route's stored responses; false when it had no cache here. */
  public boolean purge(RouteKey route) {
    RouteCache gone = byRoute.remove(route);
    if (gone == null) {
      return false;
    }
    gone.purge();
    return true;
  }

  /** Drops every route's stored responses (the proxy stops). */
  public void purgeAll() {
    byRoute.keySet().forEach(this::purge);
  }

  /** Bytes per route with a cache, for the metrics and the status page. */
  public Map<RouteKey, RouteCache> routes() {
    return Map.copyOf(byRoute);
  }

  /** Stores a response in {@code cache} and brings the replica's total back under the cap. */
  void store(RouteCache cache, String primary, HttpHeaders req, StoredResponse r) {
    cache.store(primary, req, r);
    long over = total.get() - maxBytes;
    if (over <= 0) {
      return;
    }
    over -= cache.evictColdest(over);
    for (RouteCache other : byRoute.values()) {
      if (over <= 0) {
        return;
      }
      if (other != cache) {
        over -= other.evictColdest(over);
      }
    }
  }
}
