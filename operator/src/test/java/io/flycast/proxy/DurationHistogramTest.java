package io.flycast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DurationHistogramTest {
  @Test
  void exposesCumulativeBucketsCountAndSumPerLabel() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    DurationHistogram h =
        new DurationHistogram("test_duration_seconds", "test", "route", 0.01, 0.1);
    registry.register(h);
    DurationHistogram.Series web = h.labelValue("default/web");
    web.observeNanos(5_000_000); // 5 ms: le=0.01
    web.observeNanos(10_000_000); // exactly on a bound: le=0.01, as Prometheus counts
    web.observeNanos(50_000_000); // le=0.1
    web.observeNanos(2_000_000_000L); // above every bound: +Inf only
    h.labelValue("default/api").observeNanos(1_000_000);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    String text = out.toString(StandardCharsets.UTF_8);

    assertThat(text)
        .contains("test_duration_seconds_bucket{route=\"default/web\",le=\"0.01\"} 2")
        .contains("test_duration_seconds_bucket{route=\"default/web\",le=\"0.1\"} 3")
        .contains("test_duration_seconds_bucket{route=\"default/web\",le=\"+Inf\"} 4")
        .contains("test_duration_seconds_count{route=\"default/web\"} 4")
        .contains("test_duration_seconds_sum{route=\"default/web\"} 2.065")
        .contains("test_duration_seconds_count{route=\"default/api\"} 1");
    assertThat(h.labelValue("default/web")).as("one series per label value").isSameAs(web);
  }
}
