package io.flycast.peers;

import io.flycast.catalog.RouteKey;
import io.flycast.proxy.balance.LoadTracker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A replica's side of the load view: answers the leader's poll with this replica's {@link
 * LoadReport}, and applies the cordon set the poll carries to this replica's proxy.
 *
 * <p>Cordons from the leader expire: when no poll has refreshed them for {@code cordonTtl} (the
 * leader died, or cannot reach this replica), they are let go. A backend then gets work here again,
 * which is the safe direction: a leader that cannot reach a replica does not stop anything anyway.
 */
public final class ReplicaLoad {
  private final String identity;
  private final String boot = java.util.UUID.randomUUID().toString();
  private final LoadTracker tracker;
  private final Supplier<Map<RouteKey, Integer>> held;
  private final Supplier<List<LoadReport.Start>> starts;
  private final long cordonTtlNanos;
  private Set<String> applied = Set.of();
  private String appliedId;
  private long lastPushNanos;

  /**
   * @param tracker this replica's proxy load; null when it runs no proxy
   * @param held requests held for autostart now, by route
   * @param starts this replica's last cold start per route
   */
  public ReplicaLoad(
      String identity,
      LoadTracker tracker,
      Supplier<Map<RouteKey, Integer>> held,
      Supplier<List<LoadReport.Start>> starts,
      java.time.Duration cordonTtl) {
    this.identity = identity;
    this.tracker = tracker;
    this.held = held;
    this.starts = starts;
    this.cordonTtlNanos = cordonTtl.toNanos();
  }

  /** The answer to a poll: applies its cordon header (may be null), returns the report as JSON. */
  public String answer(String cordonHeader) {
    return PeerJson.report(report(PeerJson.cordonHeader(cordonHeader)));
  }

  /** Applies {@code pushed} (when not null) and reports. */
  synchronized LoadReport report(CordonSet pushed) {
    if (pushed != null) {
      apply(pushed);
    }
    List<LoadReport.Backend> backends = new ArrayList<>();
    long now = System.nanoTime();
    if (tracker != null) {
      tracker.forEachBackend(
          (route, backend, inFlight, lastActive) ->
              backends.add(
                  new LoadReport.Backend(
                      route.toString(),
                      backend,
                      inFlight,
                      lastActive == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(now - lastActive))));
    }
    Map<String, Integer> heldNow = new java.util.TreeMap<>();
    held.get()
        .forEach(
            (route, n) -> {
              if (n > 0) {
                heldNow.put(route.toString(), n);
              }
            });
    return new LoadReport(identity, boot, backends, heldNow, starts.get(), appliedId);
  }

  private void apply(CordonSet set) {
    lastPushNanos = System.nanoTime();
    appliedId = set.id();
    if (set.keys().equals(applied) || tracker == null) {
      applied = set.keys();
      return;
    }
    Set<String> gone = new HashSet<>(applied);
    gone.removeAll(set.keys());
    for (String key : set.keys()) {
      if (!applied.contains(key)) {
        cordon(key, true);
      }
    }
    gone.forEach(key -> cordon(key, false));
    applied = set.keys();
  }

  /** Lets go of the leader's cordons when no poll refreshed them in time; run now and then. */
  public synchronized void expire() {
    if (!applied.isEmpty() && System.nanoTime() - lastPushNanos > cordonTtlNanos) {
      applied.forEach(key -> cordon(key, false));
      applied = Set.of();
      appliedId = null;
    }
  }

  private void cordon(String key, boolean on) {
    String[] p = CordonSet.parts(key);
    if (p == null) {
      return;
    }
    RouteKey route = new RouteKey(p[0], p[1]);
    if (on) {
      tracker.cordon(route, p[2]);
    } else {
      tracker.uncordon(route, p[2]);
    }
  }
}
