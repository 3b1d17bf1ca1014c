package io.flycast.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/**
 * The figures the status page shows, as JSON ({@code /debug/stats}): requests and 5xx per route,
 * autostarts and autostops, held requests and cold starts. Counters only: the page turns two
 * readings into a rate.
 */
public final class StatsJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private StatsJson() {}

  public static String render(PrometheusRegistry registry) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode routes = root.putObject("routes");
    for (MetricSnapshot m : registry.scrape()) {
      String name = m.getMetadata().getName();
      if (m instanceof CounterSnapshot c && name.equals("flycast_proxy_http_requests")) {
        for (var p : c.getDataPoints()) {
          ObjectNode r =
              routes.has(p.getLabels().get("route"))
                  ? (ObjectNode) routes.get(p.getLabels().get("route"))
                  : routes.putObject(p.getLabels().get("route"));
          r.put("requests", r.path("requests").asDouble() + p.getValue());
          if (p.getLabels().get("status").startsWith("5")) {
            r.put("errors", r.path("errors").asDouble() + p.getValue());
          }
        }
      } else if (m instanceof CounterSnapshot c
          && (name.equals("flycast_autostart") || name.equals("flycast_autostop"))) {
        double sum =
            c.getDataPoints().stream()
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                .sum();
        root.put(name.substring("flycast_".length()) + "s", sum);
      } else if (m instanceof GaugeSnapshot g && name.equals("flycast_autostart_held_requests")) {
        root.put(
            "held",
            g.getDataPoints().stream()
                .mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue)
                .sum());
      } else if (m instanceof HistogramSnapshot h
          && name.equals("flycast_autostart_cold_start_seconds")) {
        for (var p : h.getDataPoints()) {
          root.put("coldStarts", p.getCount());
          root.put("coldStartSecondsTotal", p.getSum());
        }
      }
    }
    return root.toString();
  }
}
