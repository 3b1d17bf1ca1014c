package io.flycast.control.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.flycast.api.ExposedServiceStatus.AutoscaleAction;
import io.flycast.autoscale.AutoscaleEvents;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.control.watch.CatalogSync;
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
      events.normal(
          o, "Autostop", "stopped " + backend + ", scaled to " + replicas + ": " + reason);
    }
  }

  @Override
  public void failed(RouteSpec route, String message) {
    HasMetadata o = object(route.key());
    if (o != null) {
      events.warning(o, "AutoscaleFailed", message);
    }
  }

  @Override
  public void notStopped(RouteSpec route, String backend, String why) {
    HasMetadata o = object(route.key());
    if (o != null) {
      events.warning(o, "AutostopRefused", "not stopping " + backend + ": " + why);
    }
  }

  /**
   * A cold start another replica made (it reports them to the leader, which alone writes status):
   * kept when newer than the one known, and the status reconcile nudged. No Event: the replica that
   * started it wrote one.
   */
  public void startedElsewhere(RouteKey key, String time, int replicas, String reason) {
    AutoscaleAction known = lastStart.get(key);
    if (known != null && known.time != null && known.time.compareTo(time) >= 0) {
      return;
    }
    AutoscaleAction a = action(reason, replicas, null);
    a.time = time;
    lastStart.put(key, a);
    sync.recompute(key);
  }

  /** The last cold start known per route (what a replica reports to the leader). */
  public Map<RouteKey, AutoscaleAction> lastStarts() {
    return Map.copyOf(lastStart);
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
