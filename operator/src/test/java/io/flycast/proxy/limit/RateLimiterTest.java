package io.flycast.proxy.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.RateLimit;
import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The token buckets and their bounded cache, on a clock the test moves. */
class RateLimiterTest {
  private static final RateLimit TEN_PER_SECOND_BURST_3 =
      new RateLimit(10, Duration.ofSeconds(1), 3, null);

  private long now = 1_000_000_000L;

  private RateLimiter limiter(RateLimit limit, int maxKeys) {
    return new RateLimiter(limit, maxKeys, () -> now);
  }

  @Test
  void aClientGetsItsBurstThenWaitsForTheRate() {
    RateLimiter l = limiter(TEN_PER_SECOND_BURST_3, 100);
    assertThat(l.take("10.0.0.1").remaining()).isEqualTo(2);
    assertThat(l.take("10.0.0.1").remaining()).isEqualTo(1);
    assertThat(l.take("10.0.0.1").allowed()).isTrue();
    Decision over = l.take("10.0.0.1");
    assertThat(over.allowed()).isFalse();
    assertThat(over.remaining()).isZero();
    assertThat(over.waitNanos())
        .as("one token at 10/s")
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(over.waitSeconds()).as("Retry-After rounds up").isEqualTo(1);

    now += TimeUnit.MILLISECONDS.toNanos(100);
    assertThat(l.take("10.0.0.1").allowed()).as("refilled one").isTrue();
    assertThat(l.take("10.0.0.1").allowed()).isFalse();

    now += TimeUnit.SECONDS.toNanos(10);
    for (int i = 0; i < 3; i++) {
      assertThat(l.take("10.0.0.1").allowed()).as("refilled to the burst, no more").isTrue();
    }
    assertThat(l.take("10.0.0.1").allowed()).isFalse();
  }

  @Test
  void aRatePerMinuteWaitsSecondsAndOtherKeysAreUnaffected() {
    RateLimiter l = limiter(new RateLimit(6, Duration.ofMinutes(1), 1, null), 100);
    assertThat(l.take("a").allowed()).isTrue();
    Decision over = l.take("a");
    assertThat(over.allowed()).isFalse();
    assertThat(over.waitSeconds()).as("6 per minute: one every 10 s").isEqualTo(10);
    assertThat(l.take("b").allowed()).as("another client has its own bucket").isTrue();
  }

  @Test
  void aFloodOfDistinctClientAddressesStaysWithinTheKeyCap() {
    int cap = 1_000;
    RateLimiter l = limiter(TEN_PER_SECOND_BURST_3, cap);
    for (int i = 0; i < 200_000; i++) {
      String ip = "10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff);
      assertThat(l.take(ip).allowed()).isTrue();
      if (i % 10_000 == 0) {
        assertThat(l.trackedKeys()).isLessThanOrEqualTo(cap);
      }
    }
    assertThat(l.trackedKeys()).isLessThanOrEqualTo(cap).isGreaterThan(cap / 2);
  }

  @Test
  void idleBucketsAreForgottenOnceTheyWouldBeFullAgain() {
    RateLimiter l = limiter(TEN_PER_SECOND_BURST_3, 100);
    l.take("a");
    l.take("b");
    assertThat(l.trackedKeys()).isEqualTo(2);
    now += TimeUnit.SECONDS.toNanos(2);
    assertThat(l.trackedKeys()).isZero();
  }

  @Test
  void aRouteKeepsItsLimiterUntilItsLimitChangesOrGoes() {
    RateLimits limits = new RateLimits(100);
    RouteKey web = new RouteKey("shop", "web");
    RateLimiter first = limits.forRoute(web, TEN_PER_SECOND_BURST_3);
    assertThat(limits.forRoute(web, TEN_PER_SECOND_BURST_3)).isSameAs(first);
    limits.specChanged(web, TEN_PER_SECOND_BURST_3);
    assertThat(limits.forRoute(web, TEN_PER_SECOND_BURST_3)).as("same limit").isSameAs(first);

    RateLimit stricter = new RateLimit(1, Duration.ofSeconds(1), 1, null);
    limits.specChanged(web, stricter);
    assertThat(limits.routes()).isZero();
    assertThat(limits.forRoute(web, stricter)).isNotSameAs(first);
    assertThat(limits.forRoute(web, null)).isNull();
    assertThat(limits.routes()).as("a route without a limit keeps nothing").isZero();
  }
}
