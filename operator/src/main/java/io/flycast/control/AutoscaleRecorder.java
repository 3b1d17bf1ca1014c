package io.flycast.control;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.flycast.api.ExposedServiceStatus.AutoscaleAction;
import io.flycast.autoscale.AutoscaleEvents;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns autoscale actions into what users see: an Event on the ExposedService or Service for each
 * start and stop, and the last start/stop kept for the ExposedService's status.
 */
public final class AutoscaleRecorder implements AutoscaleEvents {
  private final CatalogSync sync;
  private final EventRecorder events;
  private final Map<RouteKey, AutoscaleAction> lastStart = new ConcurrentHashMap<>();
  private final Map<RouteKey, AutoscaleAction> lastStop = new ConcurrentHashMap<>();

  public AutoscaleRecorder(CatalogSync sync, EventRecorder events) {
    this.sync = sync;
    this.events = events;
  }

  @Override
  public void started(RouteSpec route, int replicas, String reason) {
    lastStart.put(route.key(), action(reason, replicas, null));
    HasMetadata o = object(route.key());
    if (o != null) {
      events.normal(o, "Autostart", "scaled to " + replicas + ": " + reason);
    }
    sync.recompute(route.key()); // nudges the status reconcile through the catalog trigger
  }

  @Override
  public void stopped(RouteSpec route, String backend, int replicas, String reason) {
    lastStop.put(route.key(), action(reason, replicas, backend));
    HasMetadata o = object(route.key());
    if (o != null) {
      events.normal(o, "Autostop", "stopped " + backend + ", scaled to " + replicas + ": " + reason);
    }
  }

  @Override
  public void failed(RouteSpec route, String message) {
    HasMetadata o = object(route.key());
    if (o != null) {
      events.warning(o, "AutoscaleFailed", message);
    }
  }

  public AutoscaleAction lastStart(RouteKey key) {
    return lastStart.get(key);
  }

  public AutoscaleAction lastStop(RouteKey key) {
    return lastStop.get(key);
  }

  private HasMetadata object(RouteKey key) {
    HasMetadata es = sync.exposedService(key);
    return es != null ? es : sync.service(key);
  }

  private static AutoscaleAction action(String reason, int replicas, String backend) {
    AutoscaleAction a = new AutoscaleAction();
    a.time = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    a.reason = reason;
    a.replicas = replicas;
    a.backend = backend;
    return a;
  }
}
