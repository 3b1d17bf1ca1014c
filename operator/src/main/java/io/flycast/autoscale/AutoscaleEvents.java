package io.flycast.autoscale;

import io.flycast.catalog.RouteSpec;

/** Tells the control plane what autoscale did, for Events and status. */
public interface AutoscaleEvents {
  void started(RouteSpec route, int replicas, String reason);

  void stopped(RouteSpec route, String backend, int replicas, String reason);

  void failed(RouteSpec route, String message);

  AutoscaleEvents NONE = new AutoscaleEvents() {
    @Override
    public void started(RouteSpec route, int replicas, String reason) {}

    @Override
    public void stopped(RouteSpec route, String backend, int replicas, String reason) {}

    @Override
    public void failed(RouteSpec route, String message) {}
  };
}
