package io.flycast.autoscale;

import io.flycast.catalog.RouteKey;

/** Takes a backend out of load balancing while it drains (implemented by the proxy's tracker). */
public interface Cordons {
  void cordon(RouteKey route, String backend);

  void uncordon(RouteKey route, String backend);
}
