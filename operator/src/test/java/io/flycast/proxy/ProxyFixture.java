package io.flycast.proxy;

import io.flycast.catalog.CatalogStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.stream.Stream;

/** A running {@link ProxyServer} on loopback with its own catalog, for tests. */
public final class ProxyFixture implements AutoCloseable {
  public final CatalogStore store = new CatalogStore();
  final PrometheusRegistry registry = new PrometheusRegistry();
  final ProxyServer proxy;

  public ProxyFixture() throws InterruptedException {
    this(ProxyConfig.builder().shutdownGrace(Duration.ofSeconds(2)));
  }

  public ProxyFixture(ProxyConfig.Builder config) throws InterruptedException {
    this(completed(config.dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))));
  }

  /** A proxy whose dedicated bind address is left as the builder has it. */
  static ProxyFixture withDedicatedBindAddressAsBuilt(ProxyConfig.Builder config)
      throws InterruptedException {
    return new ProxyFixture(completed(config));
  }

  private ProxyFixture(ProxyConfig config) throws InterruptedException {
    proxy = new ProxyServer(config, store, new ProxyMetrics(registry));
    proxy.start();
  }

  private static ProxyConfig completed(ProxyConfig.Builder config) {
    return config
        .httpAddress(new InetSocketAddress(TestRoutes.ip("127.0.0.1"), 0))
        .zone("test")
        .workerThreads(2)
        .build();
  }

  public int httpPort() {
    return proxy.httpAddress().getPort();
  }

  /**
   * The sum of a counter's samples whose labels contain all {@code labelPairs} (name, value...).
   */
  public double counter(String name, String... labelPairs) {
    return points(name, labelPairs)
        .filter(CounterDataPointSnapshot.class::isInstance)
        .mapToDouble(dp -> ((CounterDataPointSnapshot) dp).getValue())
        .sum();
  }

  /** A gauge's value (the sum over its label sets). */
  double gauge(String name) {
    return points(name)
        .filter(GaugeDataPointSnapshot.class::isInstance)
        .mapToDouble(dp -> ((GaugeDataPointSnapshot) dp).getValue())
        .sum();
  }

  /**
   * How many observations a histogram has, over its label sets that contain all {@code labelPairs}.
   */
  long histogramCount(String name, String... labelPairs) {
    return points(name, labelPairs)
        .filter(HistogramDataPointSnapshot.class::isInstance)
        .mapToLong(dp -> ((HistogramDataPointSnapshot) dp).getCount())
        .sum();
  }

  /** The data points of metric {@code name} whose labels contain all {@code labelPairs}. */
  private Stream<DataPointSnapshot> points(String name, String... labelPairs) {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getPrometheusName().equals(name))
        .flatMap(s -> s.getDataPoints().stream())
        .map(DataPointSnapshot.class::cast)
        .filter(
            dp -> {
              for (int i = 0; i < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(dp.getLabels().get(labelPairs[i]))) {
                  return false;
                }
              }
              return true;
            });
  }

  @Override
  public void close() {
    proxy.stop();
  }
}
