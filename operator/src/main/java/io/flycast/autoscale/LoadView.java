package io.flycast.autoscale;

import io.flycast.catalog.RouteKey;

/** What autostop needs to know of the proxy's load, per backend of a route. */
public interface LoadView {
  /** In-flight work now (connections or requests, per the route's concurrency type). */
  int load(RouteKey route, String backend);

  /** {@link System#nanoTime()} of the backend's last start or end of work; 0 if it never had any. */
  long lastActiveNanos(RouteKey route, String backend);
}
