package io.flycast.autoscale;

import io.flycast.catalog.RouteKey;

/**
 * Takes a backend out of load balancing while it drains: on this replica's proxy, and, with several
 * replicas, on every other one ({@code io.flycast.peers.ClusterCordons}).
 */
public interface Cordons {
  void cordon(RouteKey route, String backend);

  void uncordon(RouteKey route, String backend);

  /** Whether every replica has taken the cordon in; a drain starts only then. */
  default boolean everywhere(RouteKey route, String backend) {
    return true;
  }
}
