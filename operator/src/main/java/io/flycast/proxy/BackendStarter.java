package io.flycast.proxy;

import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import java.util.concurrent.CompletableFuture;

/**
 * Autostart as the proxy sees it: a route has no ready backend, so ask for one and hold the
 * connection or request until it is ready. Implemented outside the proxy (by the autoscale
 * package), so the proxy knows nothing of how backends are started.
 */
@FunctionalInterface
public interface BackendStarter {
  /** No autostart: a route with nothing ready is answered 503 at once. */
  BackendStarter NONE = key -> null;

  /**
   * @return a future completing with the route once it has a ready backend (on any thread; the
   *     proxy hops back to its event loop), failing with an exception whose message is shown to the
   *     client; or {@code null} when this route does not autostart
   */
  CompletableFuture<Route> awaitReady(RouteKey route);
}
