package io.flycast.autoscale;

import io.flycast.catalog.RouteKey;

/**
 * What autostop needs to know of the proxies' load, per backend of a route. With several replicas
 * this is every replica's load together ({@code io.flycast.peers.ClusterLoad}); with one, the local
 * proxy's.
 */
public interface LoadView {
  /** In-flight work now (connections or requests, per the route's concurrency type), summed. */
  int load(RouteKey route, String backend);

  /**
   * {@link System#nanoTime()} of the backend's last start or end of work on any replica; 0 if it
   * never had any.
   */
  long lastActiveNanos(RouteKey route, String backend);

  /** Requests other replicas hold for the route's autostart. */
  default int heldElsewhere(RouteKey route) {
    return 0;
  }

  /**
   * Null when every replica's load is known for all of {@code [sinceNanos, now]}, so "idle" and
   * "zero in flight" can be trusted; otherwise why not, naming the replicas not heard from.
   * Autostop never stops what it cannot prove idle.
   */
  default String unknownSince(long sinceNanos) {
    return null;
  }

  /** Whose load this is, for logs and Events: "this replica", or the replicas heard from. */
  default String whose() {
    return "this replica";
  }
}
