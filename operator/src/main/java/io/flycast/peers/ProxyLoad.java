package io.flycast.peers;

import io.flycast.autoscale.Cordons;
import io.flycast.autoscale.LoadView;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.balance.LoadTracker;

/** This replica's own proxy, as autoscale sees it: its load and its cordons. */
public final class ProxyLoad {
  private ProxyLoad() {}

  /** The proxy's in-flight work and last activity per backend. */
  public static LoadView view(LoadTracker tracker) {
    return new LoadView() {
      @Override
      public int load(RouteKey route, String backend) {
        return tracker.load(route, backend);
      }

      @Override
      public long lastActiveNanos(RouteKey route, String backend) {
        return tracker.lastActiveNanos(route, backend);
      }
    };
  }

  /** Cordons on the proxy's balancer. */
  public static Cordons cordons(LoadTracker tracker) {
    return new Cordons() {
      @Override
      public void cordon(RouteKey route, String backend) {
        tracker.cordon(route, backend);
      }

      @Override
      public void uncordon(RouteKey route, String backend) {
        tracker.uncordon(route, backend);
      }
    };
  }
}
