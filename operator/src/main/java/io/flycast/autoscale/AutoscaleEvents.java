package io.flycast.autoscale;

import io.flycast.catalog.RouteSpec;

/** Tells the control plane what autoscale did, for Events and status. */
public interface AutoscaleEvents {
  void started(RouteSpec route, int replicas, String reason);

  void stopped(RouteSpec route, String backend, int replicas, String reason);

  void failed(RouteSpec route, String message);

  /** Autostop planned to stop {@code backend} and did not, because of {@code why}. */
  default void notStopped(RouteSpec route, String backend, String why) {}

  AutoscaleEvents NONE =
      new AutoscaleEvents() {
        @Override
        public void started(RouteSpec route, int replicas, String reason) {}

        @Override
        public void stopped(RouteSpec route, String backend, int replicas, String reason) {}

        @Override
        public void failed(RouteSpec route, String message) {}
      };
}
