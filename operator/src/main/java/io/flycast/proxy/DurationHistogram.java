package io.flycast.proxy;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A classic Prometheus histogram of durations, labelled by one label, observed on every request.
 *
 * <p>Why not the client library's {@code Histogram}: it counts every observation on one shared
 * atomic (so it can hold observations back while a scrape reads), and with every event loop
 * observing every request, that counter's cache line moved between cores on each one. Here the
 * buckets and the sum are {@link LongAdder}s, which spread contended updates over cells. A scrape
 * derives the count from the buckets, so buckets and count always agree; the sum may include an
 * observation the buckets do not have yet, as it could in the client library before it buffered.
 */
final class DurationHistogram implements Collector {
  private final MetricMetadata metadata;
  private final String labelName;
  private final double[] upperBounds;
  private final long[] upperBoundNanos;
  private final ConcurrentHashMap<String, Series> series = new ConcurrentHashMap<>();

  /** {@code upperBounds} in seconds, ascending; +Inf is added. */
  DurationHistogram(String name, String help, String labelName, double... upperBounds) {
    this.metadata = new MetricMetadata(name, help);
    this.labelName = labelName;
    this.upperBounds = new double[upperBounds.length + 1];
    this.upperBoundNanos = new long[upperBounds.length];
    for (int i = 0; i < upperBounds.length; i++) {
      this.upperBounds[i] = upperBounds[i];
      this.upperBoundNanos[i] = (long) (upperBounds[i] * 1e9);
    }
    this.upperBounds[upperBounds.length] = Double.POSITIVE_INFINITY;
  }

  /** The series for one label value; keep it, looking it up is the costly part. */
  Series labelValue(String value) {
    return series.computeIfAbsent(value, Series::new);
  }

  final class Series {
    private final Labels labels;
    private final LongAdder[] buckets = new LongAdder[upperBounds.length];
    private final LongAdder sumNanos = new LongAdder();

    private Series(String value) {
      labels = Labels.of(labelName, value);
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void observeNanos(long nanos) {
      int i = 0;
      while (i < upperBoundNanos.length && nanos > upperBoundNanos[i]) {
        i++;
      }
      buckets[i].increment();
      sumNanos.add(nanos);
    }

    private HistogramSnapshot.HistogramDataPointSnapshot snapshot() {
      long[] counts = new long[buckets.length];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = buckets[i].sum();
      }
      return new HistogramSnapshot.HistogramDataPointSnapshot(
          ClassicHistogramBuckets.of(upperBounds, counts),
          sumNanos.sum() / 1e9,
          labels,
          Exemplars.EMPTY,
          0L);
    }
  }

  @Override
  public MetricSnapshot collect() {
    List<HistogramSnapshot.HistogramDataPointSnapshot> points = new ArrayList<>(series.size());
    for (Series s : series.values()) {
      points.add(s.snapshot());
    }
    return new HistogramSnapshot(metadata, points);
  }

  @Override
  public String getPrometheusName() {
    return metadata.getPrometheusName();
  }
}
