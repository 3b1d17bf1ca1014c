package io.flycast.autoscale;

import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link AutostopPlanner} every interval (leader only) and carries out its decisions without
 * cutting anything in flight: cordon the backend (no new work) on every replica, wait until its
 * in-flight work is done on every replica, mark it as the pod to remove, then scale the workload
 * down by one.
 *
 * <p>With several replicas, {@link LoadView} is all of them together and {@link Cordons} reaches
 * all of them. What cannot be proven is not done: a plan is dropped when some replica's load is not
 * known for the whole interval (a new leader waits one interval of reports; a replica that cannot
 * be heard from blocks every stop), a drain is abandoned when a replica does not confirm the cordon
 * or its in-flight work, and nothing is scaled down by a replica that no longer leads. Each such
 * refusal is an Event and a count in {@code flycast_autostop_refused_total}. A drained backend is
 * stopped only if the plan made again on the reports every replica sent after the cordon still
 * stops one of its zone: the tick's own plan may rest on reports older than work in flight.
 */
public final class Autostopper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Autostopper.class);

  /** How often a draining backend's load is checked (in memory, not the API). */
  static final Duration DRAIN_CHECK = Duration.ofMillis(50);

  private final CatalogStore catalog;
  private final LoadView load;
  private final Cordons cordons;
  private final BackendScaler scaler;
  private final ScheduledExecutorService timer;
  private final Duration interval;
  private final Duration maxDrain;
  private final BooleanSupplier isLeader;
  private final AutoscaleMetrics metrics;
  private final AutoscaleEvents events;
  private final Autostarter starter;
  private volatile long intervalStart = System.nanoTime();

  /**
   * Held from the last leadership check before a scale-down until its pod's removal mark is
   * settled, so that a leader handing over can wait for it ({@link #awaitNoScaleDown}).
   */
  private final java.util.concurrent.locks.ReentrantLock scalingDown =
      new java.util.concurrent.locks.ReentrantLock();

  /** What the autostopper reads: routes and their backends, every replica's load, the cordons. */
  public record View(CatalogStore catalog, LoadView load, Cordons cordons) {}

  /** When it runs: the timer, how often it looks, and how long a drain may take at most. */
  public record Schedule(ScheduledExecutorService timer, Duration interval, Duration maxDrain) {}

  /** Where it reports: metrics, and the Events on the user's objects. */
  public record Reporting(AutoscaleMetrics metrics, AutoscaleEvents events) {}

  /**
   * @param scaler scales the workload and marks the pod to remove
   * @param starter told of replica counts, and asked whether a start is under way
   * @param isLeader checked before every scale-down: only the leader stops backends
   */
  public Autostopper(
      View view,
      BackendScaler scaler,
      Autostarter starter,
      Schedule schedule,
      Reporting reporting,
      BooleanSupplier isLeader) {
    this.catalog = view.catalog();
    this.load = view.load();
    this.cordons = view.cordons();
    this.scaler = scaler;
    this.timer = schedule.timer();
    this.interval = schedule.interval();
    this.maxDrain = schedule.maxDrain();
    this.isLeader = isLeader;
    this.metrics = reporting.metrics();
    this.events = reporting.events();
    this.starter = starter;
  }

  public Autostopper start() {
    // Every replica autostarts and scales out, so every replica learns the scale-out ceiling: from
    // every catalog change, not only at each tick, which a short-lived peak falls between (two
    // backends up, then the excess one stopped before this replica's next tick).
    catalog.addListener(
        change -> {
          for (RouteKey key : change.backendsChanged()) {
            Route route = change.catalog().route(key);
            if (route != null) {
              observe(route);
            }
          }
        });
    timer.scheduleWithFixedDelay(
        this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void observe(Route route) {
    if (route.spec().autoscale().autostop() != AutostopMode.OFF) {
      starter.observeReplicas(
          route.key(), (int) route.backends().stream().filter(Backend::acceptsNewWork).count());
    }
  }

  private void tick() {
    long start = intervalStart;
    intervalStart = System.nanoTime();
    // A route whose spec turned autostop on since its backends last changed.
    catalog.current().routes().forEach(this::observe);
    if (!isLeader.getAsBoolean()) {
      return;
    }
    for (Route route : catalog.current().routes()) {
      if (route.spec().autoscale().autostop() == AutostopMode.OFF) {
        continue;
      }
      try {
        List<AutostopPlanner.Stop> stops = AutostopPlanner.plan(route, load, start);
        if (stops.isEmpty() || load.heldElsewhere(route.key()) > 0) {
          continue; // nothing to stop, or requests wait on another replica for a backend of it
        }
        String unknown = load.unknownSince(start);
        if (unknown != null) {
          refuse(
              route,
              stops.get(0).backend().name(),
              "no_report",
              "the load of every replica is not known for"
                  + " the whole interval ("
                  + unknown
                  + "); trying again next interval");
          continue;
        }
        boolean byOrdinal = scaler.removesHighestOrdinal(route.spec());
        if (byOrdinal) {
          stops = highestOrdinals(route, stops);
        }
        for (AutostopPlanner.Stop stop : stops) {
          cordons.cordon(route.key(), stop.backend().name());
          drainThenStop(new Drain(route.key(), stop, System.nanoTime(), start, byOrdinal));
        }
      } catch (RuntimeException | BackendScaler.ScaleException e) {
        log.warn("autostop of {} failed: {}", route.key(), e.toString());
      }
    }
  }

  /**
   * A StatefulSet scaled down by one loses its highest ordinal, whichever pod was planned: so the
   * pods drained are the highest ordinals running, one per planned stop.
   */
  static List<AutostopPlanner.Stop> highestOrdinals(
      Route route, List<AutostopPlanner.Stop> planned) {
    List<Backend> byOrdinal =
        route.backends().stream()
            .filter(Backend::acceptsNewWork)
            .sorted(java.util.Comparator.comparingInt(Autostopper::ordinal).reversed())
            .toList();
    List<AutostopPlanner.Stop> stops = new java.util.ArrayList<>();
    for (int i = 0; i < planned.size() && i < byOrdinal.size(); i++) {
      AutostopPlanner.Stop p = planned.get(i);
      Backend b = byOrdinal.get(i);
      stops.add(
          b.name().equals(p.backend().name())
              ? p
              : new AutostopPlanner.Stop(
                  b,
                  p.reason()
                      + "; a StatefulSet scales down from its highest ordinal, so "
                      + b.name()
                      + " goes"));
    }
    return stops;
  }

  /** The ordinal a StatefulSet's pod name ends with ({@code web-2}: 2); -1 when none. */
  static int ordinal(Backend b) {
    String name = b.name();
    int dash = name.lastIndexOf('-');
    try {
      return dash < 0 ? -1 : Integer.parseInt(name.substring(dash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void refuse(Route route, String backend, String reason, String why) {
    metrics.refusedStop(reason);
    events.notStopped(route.spec(), backend, why);
    log.info("autostop {}: not stopping {}: {}", route.key(), backend, why);
  }

  /**
   * A planned stop while its backend drains.
   *
   * @param since when the cordon was set
   * @param intervalStart start of the interval the stop was planned for
   * @param byOrdinal whether the workload scales down from its highest ordinal
   */
  private record Drain(
      RouteKey key, AutostopPlanner.Stop stop, long since, long intervalStart, boolean byOrdinal) {}

  /**
   * Waits, off the proxy's event loops, until every replica has the cordon and no work in flight on
   * the backend, or the maximum drain time passed.
   */
  private void drainThenStop(Drain d) {
    RouteKey key = d.key();
    AutostopPlanner.Stop stop = d.stop();
    long since = d.since();
    String name = stop.backend().name();
    boolean everywhere = cordons.everywhere(key, name);
    String unknown = load.unknownSince(since);
    boolean drained = everywhere && unknown == null && load.load(key, name) == 0;
    // A drain is worth waiting for only while this replica leads: after, it could not scale down.
    if (!drained && isLeader.getAsBoolean() && System.nanoTime() - since < maxDrain.toNanos()) {
      timer.schedule(() -> drainThenStop(d), DRAIN_CHECK.toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    Route route = catalog.current().route(key);
    if (route == null) {
      cordons.uncordon(key, name);
      return;
    }
    if (!isLeader.getAsBoolean()) {
      cordons.uncordon(key, name); // the new leader judges for itself
      refuse(route, name, "not_leader", "this replica stopped leading while the backend drained");
      return;
    }
    if (!everywhere || unknown != null) {
      // Work in flight elsewhere is only "zero" when every replica said so after the cordon.
      cordons.uncordon(key, name);
      refuse(
          route,
          name,
          "no_report",
          !everywhere
              ? "not every replica confirmed the cordon within " + maxDrain.toSeconds() + "s"
              : "not every replica reported its work in flight (" + unknown + ")");
      return;
    }
    if (starter.held(key) > 0 || load.heldElsewhere(key) > 0) {
      // A request arrived while this backend drained and is waiting for one: keep this one.
      cordons.uncordon(key, name);
      starter.recheck(key);
      log.info("autostop {}: kept {}, requests arrived while it drained", key, name);
      return;
    }
    AutostopPlanner.Stop confirmed = confirmed(route, d);
    if (confirmed == null) {
      cordons.uncordon(key, name);
      log.info(
          "autostop {}: kept {}: planned again on the load every replica reported since the"
              + " cordon ({}), its zone has no backend to stop",
          key,
          name,
          load.whose());
      return;
    }
    scalingDown.lock();
    boolean marked = false;
    try {
      int min = route.spec().autoscale().minMachinesRunning();
      int replicas = scaler.replicas(route.spec());
      if (Math.max(min, replicas - 1) < replicas && !isLeader.getAsBoolean()) {
        refuse(route, name, "not_leader", "this replica stopped leading just before scaling down");
      } else if (Math.max(min, replicas - 1) < replicas) {
        scaler.markForRemoval(route.spec(), stop.backend());
        marked = true;
        // One fewer than now, decided again from a fresh count if the write conflicts.
        BackendScaler.Scaled s =
            scaler.scale(route.spec(), n -> isLeader.getAsBoolean() ? Math.max(min, n - 1) : n);
        if (s.changed()) {
          marked = false;
          metrics.autostop(
              route.spec().autoscale().autostop() == AutostopMode.SUSPEND
                  ? "suspend_as_stop"
                  : "idle");
          String mode =
              route.spec().autoscale().autostop() == AutostopMode.SUSPEND
                  ? " (suspend requested; Kubernetes has no suspend, so the pod was stopped)"
                  : "";
          events.stopped(route.spec(), name, s.to(), confirmed.reason() + mode);
          log.info(
              "autostop {}: stopped {} ({}; load of {}), replicas {} -> {}",
              key,
              name,
              confirmed.reason(),
              load.whose(),
              s.from(),
              s.to());
        }
      }
    } catch (BackendScaler.ScaleException e) {
      events.failed(route.spec(), e.getMessage());
    } finally {
      if (marked) {
        unmark(route, stop.backend()); // the stop did not happen: the pod is not the one to go next
      }
      scalingDown.unlock();
      // The backend leaves the catalog when its pod goes; until then it stays out of balancing
      // for a grace period, then is let back in case the scale-down did not happen.
      timer.schedule(() -> cordons.uncordon(key, name), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * The stop as planned again on the load known now, which every replica reported after it took the
   * cordon in; null when the plan no longer stops a backend of its zone. The tick planned on the
   * reports it had, each up to a poll period old: work that reached another replica after its last
   * report was not in them, and a zone that seemed to have excess capacity may have none (the
   * drained backend is as good a choice as any other idle one of its zone).
   */
  private AutostopPlanner.Stop confirmed(Route route, Drain d) {
    List<AutostopPlanner.Stop> now = AutostopPlanner.plan(route, load, d.intervalStart());
    if (d.byOrdinal()) {
      now = highestOrdinals(route, now);
    }
    Backend drained = d.stop().backend();
    return now.stream()
        .filter(
            s ->
                s.backend().name().equals(drained.name())
                    || java.util.Objects.equals(s.backend().zone(), drained.zone()))
        .findFirst()
        .map(s -> new AutostopPlanner.Stop(drained, s.reason()))
        .orElse(null);
  }

  private void unmark(Route route, Backend backend) {
    try {
      scaler.unmarkForRemoval(route.spec(), backend);
    } catch (BackendScaler.ScaleException e) {
      log.warn("autostop {}: {}", route.key(), e.toString());
    }
  }

  /**
   * Waits until no scale-down is under way, up to {@code timeout}; false if one still is. Call once
   * this replica no longer leads: no new one starts then, and one under way ends with the workload
   * scaled down or its pod's removal mark taken back, rather than with a mark left behind by a
   * process that stopped halfway.
   */
  public boolean awaitNoScaleDown(Duration timeout) throws InterruptedException {
    if (!scalingDown.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return false;
    }
    scalingDown.unlock();
    return true;
  }

  @Override
  public void close() {}
}
