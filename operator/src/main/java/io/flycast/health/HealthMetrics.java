package io.flycast.health;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code flycast_health_check_failures_total{route,kind}} and {@code
 * flycast_backends_unhealthy{route}}. Labelled by route, not backend: backends come and go with
 * every rollout, and per-backend series would grow without bound.
 */
final class HealthMetrics {
  /** Metrics that go nowhere, for tests and callers without a registry. */
  static final HealthMetrics NONE = new HealthMetrics();

  private final Counter failures;

  private HealthMetrics() {
    failures = null;
  }

  /**
   * @param unhealthyByRoute how many backends of each route are unhealthy now (read at scrape time)
   */
  HealthMetrics(PrometheusRegistry registry, Supplier<Map<String, Integer>> unhealthyByRoute) {
    failures =
        Counter.builder()
            .name("flycast_health_check_failures_total")
            .help("Failed backend health checks")
            .labelNames("route", "kind")
            .register(registry);
    GaugeWithCallback.builder()
        .name("flycast_backends_unhealthy")
        .help("Backends failing their health checks (they get no new work)")
        .labelNames("route")
        .callback(cb -> unhealthyByRoute.get().forEach((route, n) -> cb.call(n, route)))
        .register(registry);
  }

  void failed(String route, String kind) {
    if (failures != null) {
      failures.labelValues(route, kind).inc();
    }
  }
}
