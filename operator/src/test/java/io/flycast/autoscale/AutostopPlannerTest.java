package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Autoscale;
import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.Backend;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AutostopPlannerTest {
  static final long START = 1_000_000L;
  final Map<String, Integer> loads = new HashMap<>();
  final Map<String, Long> active = new HashMap<>();
  final LoadView view =
      new LoadView() {
        @Override
        public int load(RouteKey route, String backend) {
          return loads.getOrDefault(backend, 0);
        }

        @Override
        public long lastActiveNanos(RouteKey route, String backend) {
          return active.getOrDefault(backend, 0L);
        }
      };

  static Route route(AutostopMode mode, int min, Backend... backends) {
    var spec =
        RouteSpec.builder(new RouteKey("ns", "web"), InetAddress.getLoopbackAddress())
            .concurrency(new Concurrency(ConcurrencyType.REQUESTS, 10, 20))
            .autoscale(new Autoscale(mode, true, min, 0))
            .isPrivate(true)
            .network("ns")
            .build();
    return new Route(spec, List.of(backends), 1);
  }

  static Backend b(String name, String zone) {
    return new Backend(name, InetAddress.getLoopbackAddress(), zone, true, true, false);
  }

  @Test
  void offNeverStops() {
    assertThat(
            AutostopPlanner.plan(route(AutostopMode.OFF, 0, b("a", "z"), b("b", "z")), view, START))
        .isEmpty();
  }

  @Test
  void twoIdleBackendsInAZoneStopExactlyOneTheIdlest() {
    active.put("a", START + 5);
    active.put("b", START + 1);
    var stops =
        AutostopPlanner.plan(route(AutostopMode.STOP, 0, b("a", "z"), b("b", "z")), view, START);
    assertThat(stops).extracting(s -> s.backend().name()).containsExactly("b");
  }

  @Test
  void busyBackendsAreNotStopped() {
    // 3 running, 2 over soft: excess = 3 - (2 + 1) = 0.
    loads.put("a", 15);
    loads.put("b", 12);
    loads.put("c", 1);
    assertThat(
            AutostopPlanner.plan(
                route(AutostopMode.STOP, 0, b("a", "z"), b("b", "z"), b("c", "z")), view, START))
        .isEmpty();
    // One over soft: excess = 3 - 2 = 1, the least loaded goes.
    loads.put("b", 3);
    assertThat(
            AutostopPlanner.plan(
                route(AutostopMode.STOP, 0, b("a", "z"), b("b", "z"), b("c", "z")), view, START))
        .extracting(s -> s.backend().name())
        .containsExactly("c");
  }

  @Test
  void aLoneBackendStopsOnlyAfterAWholeIdleInterval() {
    active.put("a", START + 1); // worked during the interval
    assertThat(AutostopPlanner.plan(route(AutostopMode.STOP, 0, b("a", "z")), view, START))
        .isEmpty();
    active.put("a", START - 1); // idle since before the interval
    assertThat(AutostopPlanner.plan(route(AutostopMode.SUSPEND, 0, b("a", "z")), view, START))
        .singleElement()
        .satisfies(s -> assertThat(s.reason()).contains("no load for the whole interval"));
    loads.put("a", 1); // in flight now
    assertThat(AutostopPlanner.plan(route(AutostopMode.STOP, 0, b("a", "z")), view, START))
        .isEmpty();
  }

  @Test
  void minMachinesRunningIsAFloorAcrossZones() {
    assertThat(AutostopPlanner.plan(route(AutostopMode.STOP, 1, b("a", "z")), view, START))
        .isEmpty();
    assertThat(
            AutostopPlanner.plan(
                route(AutostopMode.STOP, 1, b("a", "x"), b("b", "y")), view, START))
        .hasSize(1);
    assertThat(
            AutostopPlanner.plan(
                route(AutostopMode.STOP, 0, b("a", "x"), b("b", "y")), view, START))
        .hasSize(2);
  }

  @Test
  void drainingBackendsDoNotCount() {
    Backend draining = new Backend("d", InetAddress.getLoopbackAddress(), "z", false, true, true);
    active.put("a", START - 1);
    assertThat(
            AutostopPlanner.plan(route(AutostopMode.STOP, 0, b("a", "z"), draining), view, START))
        .extracting(s -> s.backend().name())
        .containsExactly("a");
  }
}
