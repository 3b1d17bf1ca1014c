package io.flycast.health;

import io.flycast.catalog.RouteKey;

/**
 * Whether a backend of a route may get new work as far as health checks go. Called by the balancer
 * on event loops for every pick: implementations must be lock-free and never block.
 */
@FunctionalInterface
public interface BackendHealth {
  /** Every backend healthy: what the proxy uses when nothing checks health. */
  BackendHealth ALL_HEALTHY = (route, backend) -> true;

  /**
   * @return false only when the backend's checks are known to fail; a backend never checked (no
   *     checks on its route, in its grace period, or unknown) is healthy
   */
  boolean healthy(RouteKey route, String backend);
}
