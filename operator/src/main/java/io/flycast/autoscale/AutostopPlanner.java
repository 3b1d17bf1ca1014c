package io.flycast.autoscale;

import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.Backend;
import io.flycast.catalog.Route;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fly's autostop rule, per route and per zone, evaluated once per interval (seed 004, Fly's
 * autostop reference):
 *
 * <ul>
 *   <li>More than one running backend: {@code excess = running - (over softLimit + 1)}; if {@code
 *       excess >= 1}, stop exactly one, the least loaded (longest idle on ties).
 *   <li>Exactly one running backend: stop it only if it had no load for the whole interval.
 *   <li>Never below {@code minMachinesRunning}, counted across zones.
 * </ul>
 *
 * Pure logic: no clocks, no I/O, so each rule is unit-tested on its own.
 */
public final class AutostopPlanner {
  private AutostopPlanner() {}

  /** One backend to stop, and why (for Events and status). */
  public record Stop(Backend backend, String reason) {}

  /**
   * @param intervalStartNanos start of the interval being judged ({@link System#nanoTime()} scale)
   */
  public static List<Stop> plan(Route route, LoadView load, long intervalStartNanos) {
    var autoscale = route.spec().autoscale();
    if (autoscale.autostop() == AutostopMode.OFF) {
      return List.of();
    }
    List<Backend> running = route.backends().stream().filter(Backend::acceptsNewWork).toList();
    int budget = running.size() - autoscale.minMachinesRunning();
    if (budget <= 0) {
      return List.of();
    }
    int soft = route.spec().concurrency().softLimit();
    Map<String, List<Backend>> byZone = new TreeMap<>();
    running.forEach(b -> byZone.computeIfAbsent(b.zone(), z -> new ArrayList<>()).add(b));
    List<Stop> stops = new ArrayList<>();
    for (var zone : byZone.entrySet()) {
      if (stops.size() >= budget) {
        break;
      }
      List<Backend> bs = zone.getValue();
      Comparator<Backend> idlest =
          Comparator.<Backend>comparingInt(b -> load.load(route.key(), b.name()))
              .thenComparingLong(b -> load.lastActiveNanos(route.key(), b.name()))
              .thenComparing(Backend::name);
      if (bs.size() > 1) {
        long over = bs.stream().filter(b -> load.load(route.key(), b.name()) > soft).count();
        long excess = bs.size() - (over + 1);
        if (excess >= 1) {
          Backend victim = bs.stream().min(idlest).orElseThrow();
          stops.add(
              new Stop(
                  victim,
                  "excess capacity in zone "
                      + zone.getKey()
                      + ": "
                      + bs.size()
                      + " running, "
                      + over
                      + " over the soft limit of "
                      + soft));
        }
      } else {
        Backend only = bs.get(0);
        boolean idle =
            load.load(route.key(), only.name()) == 0
                && load.lastActiveNanos(route.key(), only.name()) - intervalStartNanos < 0;
        if (idle) {
          stops.add(new Stop(only, "no load for the whole interval in zone " + zone.getKey()));
        }
      }
    }
    return stops;
  }
}
