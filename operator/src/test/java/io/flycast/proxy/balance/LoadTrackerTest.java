package io.flycast.proxy.balance;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.RouteKey;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Counting in-flight work per backend, and forgetting backends that left. */
class LoadTrackerTest {
  private static final RouteKey WEB = new RouteKey("shop", "web");
  private static final RouteKey API = new RouteKey("shop", "api");

  @Test
  void hardLimitIsNeverOvershotAndReleasesAreCountedOnce() {
    LoadTracker t = new LoadTracker();
    Lease a = t.tryAcquire(WEB, backend("b1", "z"), 2);
    Lease b = t.tryAcquire(WEB, backend("b1", "z"), 2);
    assertThat(t.tryAcquire(WEB, backend("b1", "z"), 2)).isNull();
    a.release();
    a.release();
    assertThat(t.load(WEB, "b1")).isEqualTo(1);
    b.close();
    assertThat(t.load(WEB, "b1")).isZero();
  }

  @Test
  void backendsThatLeftAreForgottenOnceIdleAndOnlyOnTheirRoute() {
    LoadTracker t = new LoadTracker();
    t.tryAcquire(WEB, backend("gone-idle", "z"), 10).release();
    Lease busy = t.tryAcquire(WEB, backend("gone-busy", "z"), 10);
    t.tryAcquire(WEB, backend("stays", "z"), 10).release();
    t.tryAcquire(API, backend("gone-idle", "z"), 10).release();

    t.retainOnly(WEB, Set.of("stays"));
    assertThat(t.lastActiveNanos(WEB, "gone-idle")).as("forgotten").isZero();
    assertThat(t.load(WEB, "gone-busy")).as("kept while work is in flight").isEqualTo(1);
    assertThat(t.lastActiveNanos(WEB, "stays")).isPositive();
    assertThat(t.lastActiveNanos(API, "gone-idle")).as("another route's backend").isPositive();

    busy.release();
    t.retainOnly(WEB, Set.of("stays"));
    assertThat(t.lastActiveNanos(WEB, "gone-busy")).isZero();
  }

  @Test
  void everyReleaseIsAnnounced() {
    LoadTracker t = new LoadTracker();
    java.util.List<RouteKey> freed = new java.util.ArrayList<>();
    t.onRelease((route, backend) -> freed.add(route));
    Lease l = t.tryAcquire(WEB, backend("b1", "z"), 1);
    l.release();
    l.release();
    assertThat(freed).containsExactly(WEB);
  }
}
