package io.flycast.proxy.balance;

import static io.flycast.proxy.TestRoutes.backend;
import static io.flycast.proxy.TestRoutes.limits;
import static io.flycast.proxy.TestRoutes.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.Route;
import io.flycast.proxy.TestRoutes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BalancerTest {
  private final LoadTracker tracker = new LoadTracker();
  private final Balancer balancer = new Balancer("fra", tracker, () -> new Random(42));

  @Test
  void prefersLocalZoneEvenWhenLocalIsBusierThanRemote() {
    Route r = route(limits(2, 10), backend("local", "fra"), backend("remote", "ams"));
    List<Lease> leases = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Lease l = balancer.pick(r);
      assertThat(l.backend().name()).isEqualTo("local");
      leases.add(l);
    }
    // Local is now at its hard limit: only then does work cross zones.
    assertThat(balancer.pick(r).backend().name()).isEqualTo("remote");
    leases.get(0).release();
    assertThat(balancer.pick(r).backend().name()).isEqualTo("local");
  }

  @Test
  void crossesZoneWhenLocalBackendsDoNotAcceptWork() {
    Backend notReady = new Backend("local", TestRoutes.ip("127.0.0.1"), "fra", false, true, false);
    Backend terminating =
        new Backend("local2", TestRoutes.ip("127.0.0.1"), "fra", true, true, true);
    Route r = route(Concurrency.DEFAULT, notReady, terminating, backend("remote", "ams"));
    assertThat(balancer.pick(r).backend().name()).isEqualTo("remote");
  }

  @Test
  void underSoftLimitBeatsOverSoftLimit() {
    Route r = route(limits(1, 5), backend("a", "fra"), backend("b", "fra"));
    Lease first = balancer.pick(r);
    // The other backend is the only one under soft now, whatever the random choices.
    for (int i = 0; i < 20; i++) {
      Lease l = balancer.pick(r);
      assertThat(l.backend().name()).isNotEqualTo(first.backend().name());
      l.release();
    }
  }

  @Test
  void overSoftLimitUsedWhenAllAreOverSoftAndNothingPastHard() {
    Route r = route(limits(1, 2), backend("a", "fra"), backend("b", "fra"));
    Set<String> picked = new java.util.HashSet<>();
    for (int i = 0; i < 4; i++) {
      picked.add(balancer.pick(r).backend().name());
    }
    assertThat(picked).containsExactlyInAnyOrder("a", "b");
    assertThat(tracker.load(r.key(), "a")).isEqualTo(2);
    assertThat(tracker.load(r.key(), "b")).isEqualTo(2);
    assertThat(balancer.pick(r)).as("every backend at hard limit").isNull();
  }

  @Test
  void noBackendsMeansNoPick() {
    assertThat(balancer.pick(route(Concurrency.DEFAULT))).isNull();
  }

  @Test
  void excludedBackendsAreSkipped() {
    Route r = route(Concurrency.DEFAULT, backend("a", "fra"), backend("b", "fra"));
    assertThat(balancer.pick(r, Set.of("a")).backend().name()).isEqualTo("b");
    assertThat(balancer.pick(r, Set.of("a", "b"))).isNull();
  }

  @Test
  void twoChoicesNeverPicksTheMostLoadedOfThree() {
    Route r =
        route(
            limits(100, Concurrency.NO_HARD_LIMIT),
            backend("a", "fra"),
            backend("b", "fra"),
            backend("c", "fra"));
    for (int i = 0; i < 50; i++) {
      tracker.tryAcquire(r.key(), r.backends().get(2), Integer.MAX_VALUE);
    }
    tracker.tryAcquire(r.key(), r.backends().get(1), Integer.MAX_VALUE);
    Map<String, Integer> counts = new HashMap<>();
    Balancer real = new Balancer("fra", tracker);
    for (int i = 0; i < 200; i++) {
      Lease l = real.pick(r);
      counts.merge(l.backend().name(), 1, Integer::sum);
      l.release();
    }
    // Any pair of two distinct backends has a less loaded member than c.
    assertThat(counts).doesNotContainKey("c");
    assertThat(counts.get("a")).isGreaterThan(counts.getOrDefault("b", 0));
  }

  @Test
  void releaseIsIdempotent() {
    Route r = route(Concurrency.DEFAULT, backend("a", "fra"));
    Lease l = balancer.pick(r);
    l.release();
    l.release();
    assertThat(tracker.load(r.key(), "a")).isZero();
  }

  @Test
  void noZoneConfiguredTreatsAllAsLocal() {
    Balancer anywhere = new Balancer(null, tracker);
    Route r = route(limits(1, 1), backend("x", "ams"));
    assertThat(anywhere.pick(r).backend().name()).isEqualTo("x");
    assertThat(anywhere.pick(r)).isNull();
  }

  @Test
  void skipsUnhealthyBackendsAndCrossesZoneOnlyWhenNoLocalOneIsHealthy() {
    Set<String> unhealthy = new java.util.HashSet<>(Set.of("local-a"));
    balancer.useHealth((route, backend) -> !unhealthy.contains(backend));
    Route r =
        route(
            Concurrency.DEFAULT,
            backend("local-a", "fra"),
            backend("local-b", "fra"),
            backend("remote", "ams"));
    for (int i = 0; i < 20; i++) {
      Lease l = balancer.pick(r);
      assertThat(l.backend().name()).isEqualTo("local-b");
      l.release();
    }
    unhealthy.add("local-b");
    assertThat(balancer.pick(r).backend().name()).isEqualTo("remote");
    unhealthy.add("remote");
    assertThat(balancer.pick(r)).isNull();
    balancer.useHealth(null);
    assertThat(balancer.pick(r).backend().zone()).isEqualTo("fra");
  }
}
