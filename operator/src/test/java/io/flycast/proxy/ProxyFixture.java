package io.flycast.proxy;

import io.flycast.catalog.CatalogStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;

/** A running {@link ProxyServer} on loopback with its own catalog, for tests. */
final class ProxyFixture implements AutoCloseable {
  final CatalogStore store = new CatalogStore();
  final PrometheusRegistry registry = new PrometheusRegistry();
  final ProxyServer proxy;

  ProxyFixture() throws InterruptedException {
    this(ProxyConfig.builder().shutdownGrace(Duration.ofSeconds(2)));
  }

  ProxyFixture(ProxyConfig.Builder config) throws InterruptedException {
    this(config.dedicatedBindAddress(TestRoutes.ip("127.0.0.1")), true);
  }

  /** With {@code asIs}, the dedicated bind address is left as the builder has it. */
  ProxyFixture(ProxyConfig.Builder config, boolean asIs) throws InterruptedException {
    proxy = new ProxyServer(
        config
            .httpAddress(new InetSocketAddress(TestRoutes.ip("127.0.0.1"), 0))
            .zone("test")
            .workerThreads(2)
            .build(),
        store,
        new ProxyMetrics(registry));
    proxy.start();
  }

  int httpPort() {
    return proxy.httpAddress().getPort();
  }

  /** The sum of a counter's samples whose labels contain all {@code labelPairs} (name, value...). */
  double counter(String name, String... labelPairs) {
    double sum = 0;
    for (var snapshot : registry.scrape()) {
      if (!snapshot.getMetadata().getPrometheusName().equals(name)) {
        continue;
      }
      for (var dp : snapshot.getDataPoints()) {
        boolean match = true;
        for (int i = 0; i < labelPairs.length; i += 2) {
          match &= labelPairs[i + 1].equals(dp.getLabels().get(labelPairs[i]));
        }
        if (match && dp instanceof io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot c) {
          sum += c.getValue();
        }
      }
    }
    return sum;
  }

  /** A gauge's value (the sum over its label sets). */
  double gauge(String name) {
    double sum = 0;
    for (var snapshot : registry.scrape()) {
      if (snapshot.getMetadata().getPrometheusName().equals(name)) {
        for (var dp : snapshot.getDataPoints()) {
          if (dp instanceof io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot g) {
            sum += g.getValue();
          }
        }
      }
    }
    return sum;
  }

  /** How many observations a histogram has (over all its label sets). */
  long histogramCount(String name) {
    long n = 0;
    for (var snapshot : registry.scrape()) {
      if (snapshot.getMetadata().getPrometheusName().equals(name)) {
        for (var dp : snapshot.getDataPoints()) {
          if (dp instanceof io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot h) {
            n += h.getCount();
          }
        }
      }
    }
    return n;
  }

  @Override
  public void close() {
    proxy.stop();
  }
}
