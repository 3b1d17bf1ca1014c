package io.flycast.proxy.limit;

import io.flycast.catalog.RateLimit;
import io.flycast.catalog.RouteKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The rate limiters of the routes that have a limit, on this replica. A route's limiter is made on
 * its first request and replaced, its buckets starting full again, when the route's limit changes;
 * a route without a limit (or whose limit was removed) has none.
 */
public final class RateLimits {
  private final int maxKeys;
  private final ConcurrentMap<RouteKey, RateLimiter> byRoute = new ConcurrentHashMap<>();

  /**
   * @param maxKeys distinct keys tracked per route at most ({@link RateLimit#DEFAULT_MAX_KEYS})
   */
  public RateLimits(int maxKeys) {
    this.maxKeys = maxKeys;
  }

  /**
   * The route's spec changed (or the route went): its limiter goes unless its limit is still {@code
   * now}, so a changed limit starts over and a removed route leaves nothing behind.
   */
  public void specChanged(RouteKey route, RateLimit now) {
    byRoute.computeIfPresent(route, (k, old) -> old.limit().equals(now) ? old : null);
  }

  /** Routes with a limiter now. */
  public int routes() {
    return byRoute.size();
  }

  /** The limiter for {@code route} under {@code limit}; null when the route has no limit. */
  public RateLimiter forRoute(RouteKey route, RateLimit limit) {
    if (limit == null) {
      byRoute.remove(route);
      return null;
    }
    RateLimiter current = byRoute.get(route);
    if (current != null && current.limit().equals(limit)) {
      return current;
    }
    return byRoute.compute(
        route,
        (k, old) ->
            old != null && old.limit().equals(limit) ? old : new RateLimiter(limit, maxKeys));
  }
}
