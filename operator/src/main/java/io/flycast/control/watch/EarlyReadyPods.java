package io.flycast.control.watch;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import io.flycast.control.translate.EndpointSliceTranslator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pods that passed their own readiness probe, run by Flycast during a cold start, before their
 * EndpointSlice says they are ready: the kubelet probes only every {@code periodSeconds} (10 s by
 * default) and the slice follows later still. Each is routed as ready from then on, on this
 * replica, until its slice catches up: once a slice lists the pod ready or terminating the slice
 * alone decides, as for every other pod. Nothing else is made ready early: a pod is here only after
 * its own probe (or its route's checks) passed.
 */
public final class EarlyReadyPods {
  private final Map<RouteKey, Map<String, Backend>> byRoute = new ConcurrentHashMap<>();

  /** A pod of {@code route} passed its probe: route it as ready until its slice catches up. */
  public void passed(RouteKey route, Backend backend) {
    Backend b =
        backend.zone() == null ? backend.inZone(EndpointSliceTranslator.DEFAULT_ZONE) : backend;
    byRoute.computeIfAbsent(route, k -> new ConcurrentHashMap<>()).put(b.name(), b);
  }

  /** The pod is gone, or Flycast stopped watching it: only its slice counts now. */
  public void forget(RouteKey route, String pod) {
    byRoute.computeIfPresent(
        route,
        (k, pods) -> {
          pods.remove(pod);
          return pods.isEmpty() ? null : pods;
        });
  }

  /**
   * The backends to route: the slices' view, with every early-ready pod the slices do not show
   * ready yet made ready (keeping the slice's zone and ports when it lists the pod). A pod the
   * slices show ready or terminating is forgotten here: the slice has caught up.
   */
  List<Backend> merge(RouteKey route, List<Backend> fromSlices) {
    Map<String, Backend> early = byRoute.get(route);
    if (early == null || early.isEmpty()) {
      return fromSlices;
    }
    List<Backend> out = new ArrayList<>(fromSlices.size() + early.size());
    Map<String, Backend> pending = new java.util.HashMap<>(early);
    for (Backend b : fromSlices) {
      Backend e = pending.remove(b.name());
      if (e == null) {
        out.add(b);
      } else if (b.ready() || b.terminating()) {
        forget(route, b.name());
        out.add(b);
      } else {
        out.add(new Backend(b.name(), b.address(), b.zone(), true, true, false, b.ports()));
      }
    }
    out.addAll(pending.values());
    out.sort(Comparator.comparing(Backend::name));
    return out;
  }
}
