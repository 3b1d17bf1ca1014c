package io.flycast.autoscale;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteSpec;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;

/**
 * A workload's replica count in memory, with every count written recorded. Made with a closed
 * {@link #go} latch, each scale call waits for it, as an API round trip takes its time.
 */
final class RecordingScaler implements BackendScaler {
  final List<Integer> writes = new CopyOnWriteArrayList<>();
  final CountDownLatch go;
  volatile int replicas;

  /** Scales at once. */
  RecordingScaler(int replicas) {
    this(replicas, new CountDownLatch(0));
  }

  RecordingScaler(int replicas, CountDownLatch go) {
    this.replicas = replicas;
    this.go = go;
  }

  @Override
  public int replicas(RouteSpec route) {
    return replicas;
  }

  @Override
  public Scaled scale(RouteSpec route, IntUnaryOperator decide) throws ScaleException {
    try {
      go.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ScaleException("interrupted", e);
    }
    int from = replicas;
    int to = decide.applyAsInt(from);
    if (to != from) {
      writes.add(to);
      replicas = to;
    }
    return new Scaled(from, to);
  }

  @Override
  public void markForRemoval(RouteSpec route, Backend backend) {}

  @Override
  public void unmarkForRemoval(RouteSpec route, Backend backend) {}
}
