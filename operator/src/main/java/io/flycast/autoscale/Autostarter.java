package io.flycast.autoscale;

import io.flycast.autoscale.AutostartException.Reason;
import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogChange;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts backends for a route that has none ready, and releases the requests held for it as soon as
 * the catalog shows a ready backend: driven by the catalog change that puts it there (an
 * EndpointSlice event, or a pod passing its own readiness probe early: {@link EarlyProber}), not by
 * polling. One cold start per route however many requests arrive (no herd), and enough backends for
 * all of them at once: {@code ceil(held / softLimit)}, capped by {@code maxMachinesRunning}.
 */
public final class Autostarter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Autostarter.class);

  private final CatalogStore catalog;
  private final BackendScaler scaler;
  private final Executor blocking;
  private final ScheduledExecutorService timer;
  private final Duration timeout;
  private final int maxHeld;
  private final AutoscaleMetrics metrics;
  private final AutoscaleEvents events;
  private final Map<RouteKey, ColdStart> pending = new ConcurrentHashMap<>();
  private final Map<RouteKey, Integer> ceilings = new ConcurrentHashMap<>();
  private final Map<RouteKey, Boolean> scalingOut = new ConcurrentHashMap<>();

  /** One cold start in progress: the future every held request waits on. */
  private static final class ColdStart {
    final CompletableFuture<Route> ready = new CompletableFuture<>();
    final AtomicInteger held = new AtomicInteger();
    final java.util.concurrent.atomic.AtomicBoolean scaling =
        new java.util.concurrent.atomic.AtomicBoolean();

    /** The replica count this cold start last read or wrote. */
    volatile int asked;
  }

  private volatile java.util.function.Consumer<RouteSpec> coldStartListener = spec -> {};

  /**
   * Told (on the caller's thread: must not block) each time a cold start begins, with its route:
   * where early probing starts watching the route's pods.
   */
  public void onColdStart(java.util.function.Consumer<RouteSpec> listener) {
    this.coldStartListener = listener;
  }

  public Autostarter(
      CatalogStore catalog,
      BackendScaler scaler,
      Executor blocking,
      ScheduledExecutorService timer,
      Duration timeout,
      int maxHeldPerRoute,
      AutoscaleMetrics metrics,
      AutoscaleEvents events) {
    this.catalog = catalog;
    this.scaler = scaler;
    this.blocking = blocking;
    this.timer = timer;
    this.timeout = timeout;
    this.maxHeld = maxHeldPerRoute;
    this.metrics = metrics;
    this.events = events;
    catalog.addListener(this::onCatalogChange);
  }

  private volatile java.util.function.BiPredicate<RouteKey, Backend> usable =
      (k, b) -> b.acceptsNewWork();

  /**
   * What counts as a backend that can take work: by default a ready one; the proxy adds "and not
   * cordoned by autostop", so a request that arrives while the last backend drains starts a new one
   * instead of waiting on the one being stopped.
   */
  public void usableWhen(java.util.function.BiPredicate<RouteKey, Backend> predicate) {
    this.usable = predicate;
  }

  /** Whether a route can take new work now (some backend is usable). */
  public boolean hasReadyBackend(Route route) {
    return route.backends().stream().anyMatch(b -> usable.test(route.key(), b));
  }

  /** Releases the requests held for a route if it can take work now (after an uncordon). */
  public void recheck(RouteKey key) {
    ColdStart cs = pending.get(key);
    Route route = catalog.current().route(key);
    if (cs == null || route == null) {
      return;
    }
    if (hasReadyBackend(route)) {
      pending.remove(key, cs);
      cs.ready.complete(route);
    } else if (route.backends().stream().allMatch(Backend::terminating)) {
      // Nothing running or starting any more (an autostop raced this cold start): scale again.
      ensureStarted(route.spec(), cs);
    }
  }

  /**
   * Completes with the route once it has a ready backend. Completes at once when it already has
   * one; fails with {@link AutostartException} when autostart is off, too many requests are held,
   * the start fails, or the timeout passes. Never blocks the caller.
   */
  public CompletableFuture<Route> awaitReady(RouteKey key) {
    Route route = catalog.current().route(key);
    if (route == null) {
      return CompletableFuture.failedFuture(
          new AutostartException(Reason.SCALE_FAILED, "no route " + key));
    }
    if (hasReadyBackend(route)) {
      return CompletableFuture.completedFuture(route);
    }
    if (!route.spec().autoscale().autostart()) {
      return CompletableFuture.failedFuture(
          new AutostartException(
              Reason.DISABLED,
              "no backend of "
                  + key
                  + " is running and autostart is off (autoStartMachines: false, or a scale target "
                  + "this install may not scale: see the route's Valid condition)"));
    }
    ColdStart cs = pending.computeIfAbsent(key, k -> begin(route));
    if (cs.held.incrementAndGet() > maxHeld) {
      cs.held.decrementAndGet();
      return CompletableFuture.failedFuture(
          new AutostartException(
              Reason.TOO_MANY_HELD,
              "backend of "
                  + key
                  + " is starting and "
                  + maxHeld
                  + " requests are already waiting for it"));
    }
    metrics.held(1);
    if (wanted(route.spec(), cs, cs.asked) > cs.asked) {
      ensureStarted(
          route.spec(), cs); // the burst outgrew what was asked for (no-op if a call runs)
    }
    long arrived = System.nanoTime();
    CompletableFuture<Route> mine = cs.ready.copy();
    timer.schedule(
        () ->
            mine.completeExceptionally(
                new AutostartException(
                    Reason.TIMEOUT,
                    "backend of " + key + " did not start within " + timeout.toSeconds() + "s")),
        timeout.toMillis(),
        TimeUnit.MILLISECONDS);
    mine.whenComplete(
        (r, e) -> {
          cs.held.decrementAndGet();
          metrics.held(-1);
          if (e == null) {
            metrics.coldStart(System.nanoTime() - arrived);
          }
        });
    return mine;
  }

  /**
   * Starts one more backend when every running one is over its soft limit and the ceiling allows.
   */
  public void scaleOut(RouteSpec spec, int running) {
    if (!spec.autoscale().autostart() || scalingOut.putIfAbsent(spec.key(), Boolean.TRUE) != null) {
      return;
    }
    blocking.execute(
        () -> {
          try {
            BackendScaler.Scaled s =
                scaler.scale(spec, n -> n < ceiling(spec, n) && n <= running ? n + 1 : n);
            if (s.changed()) {
              metrics.autostart("over_soft_limit");
              events.started(
                  spec,
                  s.to(),
                  "every running backend is over the soft limit of "
                      + spec.concurrency().softLimit());
            }
          } catch (BackendScaler.ScaleException e) {
            events.failed(spec, e.getMessage());
          } finally {
            timer.schedule(() -> scalingOut.remove(spec.key()), 2, TimeUnit.SECONDS);
          }
        });
  }

  /** Records the replica count seen while autostop is on: it is the ceiling for scale-out. */
  public void observeReplicas(RouteKey key, int replicas) {
    ceilings.merge(key, replicas, Math::max);
  }

  private int ceiling(RouteSpec spec, int replicas) {
    if (spec.autoscale().maxMachinesRunning() > 0) {
      return spec.autoscale().maxMachinesRunning();
    }
    return ceilings.merge(spec.key(), replicas, Math::max);
  }

  private ColdStart begin(Route route) {
    ColdStart cs = new ColdStart();
    RouteSpec spec = route.spec();
    ensureStarted(spec, cs);
    coldStartListener.accept(spec);
    // If nothing is ready by the timeout, forget this cold start so the next request tries again.
    timer.schedule(
        () ->
            fail(
                spec.key(),
                cs,
                new AutostartException(
                    Reason.TIMEOUT,
                    "backend of "
                        + spec.key()
                        + " did not start within "
                        + timeout.toSeconds()
                        + "s")),
        timeout.toMillis(),
        TimeUnit.MILLISECONDS);
    return cs;
  }

  /**
   * Scales to the backends the held requests need, {@link #wanted}, unless that many run already;
   * one scale call in flight per cold start. The count is decided when the scale is written, so a
   * burst that arrived while the call was on its way is counted in it; one that arrives after gets
   * a second call, once the first is done.
   */
  private void ensureStarted(RouteSpec spec, ColdStart cs) {
    if (!cs.scaling.compareAndSet(false, true)) {
      return;
    }
    blocking.execute(
        () -> {
          try {
            BackendScaler.Scaled s = scaler.scale(spec, n -> Math.max(n, wanted(spec, cs, n)));
            cs.asked = s.to();
            if (s.changed()) {
              metrics.autostart("request");
              events.started(
                  spec, s.to(), cs.held.get() + " requests arrived and no backend was running");
              log.info("autostart {}: scaled from {} to {}", spec.key(), s.from(), s.to());
            }
          } catch (BackendScaler.ScaleException e) {
            events.failed(spec, e.getMessage());
            fail(spec.key(), cs, new AutostartException(Reason.SCALE_FAILED, e.getMessage()));
            return;
          } finally {
            cs.scaling.set(false);
          }
          if (!cs.ready.isDone() && wanted(spec, cs, cs.asked) > cs.asked) {
            ensureStarted(spec, cs); // more requests came while this call was on its way
          }
        });
  }

  /**
   * Backends for the requests held: each takes {@code softLimit}, so {@code ceil(held /
   * softLimit)}, at least one, at most the route's ceiling ({@code maxMachinesRunning}, else the
   * replica count seen while autostop was on). Beyond the ceiling the rest wait for a slot, not for
   * a 503.
   */
  private int wanted(RouteSpec spec, ColdStart cs, int replicas) {
    int soft = Math.max(1, spec.concurrency().softLimit());
    int need = Math.max(1, (cs.held.get() + soft - 1) / soft);
    return Math.min(need, Math.max(1, ceiling(spec, replicas)));
  }

  private void fail(RouteKey key, ColdStart cs, AutostartException e) {
    pending.remove(key, cs);
    cs.ready.completeExceptionally(e);
  }

  private void onCatalogChange(CatalogChange change) {
    for (RouteKey key : change.backendsChanged()) {
      recheck(key);
    }
  }

  /**
   * Requests held now, by route, for the routes that have any (what a replica reports to the
   * leader).
   */
  public Map<RouteKey, Integer> heldByRoute() {
    Map<RouteKey, Integer> held = new java.util.HashMap<>();
    pending.forEach(
        (key, cs) -> {
          int n = cs.held.get();
          if (n > 0) {
            held.put(key, n);
          }
        });
    return held;
  }

  /** Requests currently held for a route (for status and tests). */
  public int held(RouteKey key) {
    ColdStart cs = pending.get(key);
    return cs == null ? 0 : cs.held.get();
  }

  @Override
  public void close() {
    pending
        .values()
        .forEach(
            cs ->
                cs.ready.completeExceptionally(
                    new AutostartException(Reason.TIMEOUT, "shutting down")));
    pending.clear();
  }
}
