package io.flycast.catalog;

import java.util.List;

/**
 * A routable service in one catalog snapshot: its spec, its current backends, and the catalog
 * version in which this spec became routable.
 *
 * @param spec what to route and how
 * @param backends current backends, in a stable order
 * @param specVersion the catalog version in which {@code spec} (as it is now) was published; this
 *     is what {@code service.fly.io/sync-version} reports
 */
public record Route(RouteSpec spec, List<Backend> backends, long specVersion) {
  public Route {
    backends = List.copyOf(backends);
  }

  public RouteKey key() {
    return spec.key();
  }
}
