package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Autoscale;
import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.proxy.TestRoutes;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stop is planned on the load the leader knows at its tick, which for other replicas is their
 * last report, up to a poll period old; it is made only if the plan still holds on the load every
 * replica reported after it took the cordon in.
 */
class AutostopperDrainTest {
  static final RouteKey KEY = new RouteKey("ha", "api");

  final ExecutorService blocking = Executors.newCachedThreadPool();
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  final CatalogStore catalog = new CatalogStore();

  /** In-flight work per backend, as the leader knows it now. */
  final Map<String, Integer> known = new ConcurrentHashMap<>();

  /** What becomes known once every replica has answered the poll that carried the cordon. */
  volatile Map<String, Integer> afterCordon = Map.of();

  final List<String> uncordoned = new CopyOnWriteArrayList<>();
  Autostopper stopper;
  Autostarter starter;

  final LoadView load =
      new LoadView() {
        @Override
        public int load(RouteKey route, String backend) {
          return known.getOrDefault(backend, 0);
        }

        @Override
        public long lastActiveNanos(RouteKey route, String backend) {
          return 0;
        }
      };

  final Cordons cordons =
      new Cordons() {
        @Override
        public void cordon(RouteKey route, String backend) {
          known.putAll(afterCordon); // the reports that confirm the cordon
        }

        @Override
        public void uncordon(RouteKey route, String backend) {
          uncordoned.add(backend);
        }
      };

  final RecordingScaler scaler = new RecordingScaler(3);
  final List<Integer> writes = scaler.writes;

  @BeforeEach
  void setUp() {
    catalog.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("fdaa::8"))
            .ports(List.of(PortSpec.tcp(80, 8080)))
            .concurrency(new io.flycast.catalog.Concurrency(ConcurrencyType.REQUESTS, 1, 10))
            .autoscale(new Autoscale(AutostopMode.STOP, true, 0, 0))
            .network("default")
            .build());
    catalog.putBackends(KEY, List.of(backend("a"), backend("b"), backend("c")));
    AutoscaleMetrics metrics = new AutoscaleMetrics(new PrometheusRegistry());
    starter =
        new Autostarter(
            catalog,
            scaler,
            blocking,
            timer,
            Duration.ofSeconds(10),
            100,
            metrics,
            AutoscaleEvents.NONE);
    stopper =
        new Autostopper(
            new Autostopper.View(catalog, load, cordons),
            scaler,
            starter,
            new Autostopper.Schedule(timer, Duration.ofMillis(100), Duration.ofSeconds(5)),
            new Autostopper.Reporting(metrics, AutoscaleEvents.NONE),
            () -> true);
  }

  @AfterEach
  void tearDown() {
    stopper.close();
    starter.close();
    blocking.shutdownNow();
    timer.shutdownNow();
  }

  static Backend backend(String name) {
    return new Backend(name, InetAddress.getLoopbackAddress(), "z", true, true, false);
  }

  @Test
  void aZoneThatTurnsOutNotToHaveExcessCapacityOnceEveryReplicaReportedKeepsTheDrainedBackend() {
    // At the tick, two replicas' reports predate their requests: one in flight on a and b each
    // (this replica's own), none over the soft limit of 1, so one of three is excess: c, idle.
    known.putAll(Map.of("a", 1, "b", 1, "c", 0));
    // Their next reports, which confirm the cordon, show two more requests on each of a and b:
    // two over the soft limit, no excess. c is idle indeed, but the rule keeps it.
    afterCordon = Map.of("a", 3, "b", 3, "c", 0);
    stopper.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> uncordoned.contains("c"));
    assertThat(writes).as("no scale-down").isEmpty();
  }

  @Test
  void aZoneThatStillHasExcessCapacityOnceEveryReplicaReportedStopsTheDrainedBackend() {
    known.putAll(Map.of("a", 1, "b", 1, "c", 0));
    afterCordon = Map.of("a", 1, "b", 1, "c", 0);
    stopper.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> writes.contains(2));
  }
}
