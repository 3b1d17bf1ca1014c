package io.flycast.autoscale;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** autostart_total, autostop_total, held requests, and the cold-start histogram. */
public final class AutoscaleMetrics {
  private final Counter autostarts;
  private final Counter autostops;
  private final Counter refusedStops;
  private final Gauge held;
  private final Histogram coldStart;

  public AutoscaleMetrics(PrometheusRegistry registry) {
    autostarts =
        Counter.builder()
            .name("flycast_autostart_total")
            .help("Backends started by Flycast")
            .labelNames("reason")
            .register(registry);
    autostops =
        Counter.builder()
            .name("flycast_autostop_total")
            .help("Backends stopped by Flycast")
            .labelNames("reason")
            .register(registry);
    refusedStops =
        Counter.builder()
            .name("flycast_autostop_refused_total")
            .help(
                "Stops autostop planned but did not make: a replica's load was not known"
                    + " (no_report), or leadership moved (not_leader)")
            .labelNames("reason")
            .register(registry);
    held =
        Gauge.builder()
            .name("flycast_autostart_held_requests")
            .help("Requests held while a backend starts")
            .register(registry);
    coldStart =
        Histogram.builder()
            .name("flycast_autostart_cold_start_seconds")
            .help("Time a request was held for a backend to start")
            .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
            .register(registry);
  }

  public void autostart(String reason) {
    autostarts.labelValues(reason).inc();
  }

  public void refusedStop(String reason) {
    refusedStops.labelValues(reason).inc();
  }

  public void autostop(String reason) {
    autostops.labelValues(reason).inc();
  }

  void held(int delta) {
    held.inc(delta);
  }

  void coldStart(long nanos) {
    coldStart.observe(nanos / 1e9);
  }
}
