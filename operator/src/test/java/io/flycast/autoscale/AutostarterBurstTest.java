package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Autoscale;
import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.proxy.TestRoutes;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A burst at zero gets its capacity in one scale-up: the count is decided when the scale is
 * written, from the requests held by then, {@code ceil(held / softLimit)}, capped by {@code
 * maxMachinesRunning}.
 */
class AutostarterBurstTest {
  final ExecutorService blocking = Executors.newCachedThreadPool();
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    blocking.shutdownNow();
    timer.shutdownNow();
  }

  List<Integer> burst(int requests, int softLimit, int maxMachinesRunning) {
    RouteKey key = new RouteKey("burst", "api");
    CatalogStore catalog = new CatalogStore();
    catalog.putSpec(
        RouteSpec.builder(key, TestRoutes.ip("fdaa::7"))
            .ports(List.of(PortSpec.tcp(80, 8080)))
            .concurrency(
                new io.flycast.catalog.Concurrency(
                    ConcurrencyType.REQUESTS, softLimit, softLimit * 2))
            .autoscale(new Autoscale(AutostopMode.STOP, true, 0, maxMachinesRunning))
            .network("default")
            .build());
    RecordingScaler scaler = new RecordingScaler(0, new CountDownLatch(1));
    try (Autostarter a =
        new Autostarter(
            catalog,
            scaler,
            blocking,
            timer,
            Duration.ofSeconds(10),
            1000,
            new AutoscaleMetrics(new PrometheusRegistry()),
            AutoscaleEvents.NONE)) {
      for (int i = 0; i < requests; i++) {
        assertThat(a.awaitReady(key)).isNotDone();
      }
      scaler.go.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> !scaler.writes.isEmpty());
      // Nothing more is asked for: the first call already counted every held request.
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(5))
          .until(() -> scaler.writes.size() == 1);
      return scaler.writes;
    }
  }

  @Test
  void twoHundredHeldAtSoftLimitTwentyAskForTenBackendsInOneScaleUp() {
    assertThat(burst(200, 20, 50)).containsExactly(10);
  }

  @Test
  void theScaleUpIsCappedByMaxMachinesRunning() {
    assertThat(burst(200, 20, 4)).containsExactly(4);
  }

  @Test
  void oneRequestAsksForOneBackend() {
    assertThat(burst(1, 20, 50)).containsExactly(1);
  }
}
