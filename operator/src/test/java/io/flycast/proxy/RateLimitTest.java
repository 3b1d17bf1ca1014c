package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.RateLimit;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-route rate limits over real sockets: 429 with Retry-After and the IETF RateLimit headers once
 * a client's burst is spent, while other clients and other routes go on.
 */
class RateLimitTest {
  private static final RouteKey LIMITED = new RouteKey("shop", "web");
  private static final RouteKey OPEN = new RouteKey("shop", "api");
  private static final String LIMITED_HOST = "web.shop.flycast";
  private static final String OPEN_HOST = "api.shop.flycast";

  /** Three at once, then one a minute: the fourth request within a test is over. */
  private static final RateLimit THREE_THEN_ONE_A_MINUTE =
      new RateLimit(1, Duration.ofMinutes(1), 3, null);

  private final List<AccessLog.Entry> entries = new CopyOnWriteArrayList<>();
  private ProxyFixture fx;
  private EchoHttpBackend echo;

  @BeforeEach
  void setUp() throws Exception {
    fx =
        new ProxyFixture(
            ProxyConfig.builder().shutdownGrace(Duration.ofSeconds(2)).accessLogSink(entries::add));
    echo = new EchoHttpBackend("b1");
    route(LIMITED, THREE_THEN_ONE_A_MINUTE);
    route(OPEN, null);
  }

  private void route(RouteKey key, RateLimit limit) throws Exception {
    fx.store.putSpec(
        RouteSpec.builder(key, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port())))
            .network("default")
            .rateLimit(limit)
            .build());
    fx.store.putBackends(key, List.of(backend("b1", "127.0.0.1", "test")));
  }

  @AfterEach
  void tearDown() {
    fx.close();
    echo.close();
  }

  private RawHttp.Response get(String host, String from, String... headers) throws Exception {
    try (RawHttp c = new RawHttp(fx.httpPort(), TestRoutes.ip(from))) {
      return c.get(host, "/", headers);
    }
  }

  /**
   * Spends a client's burst of three, each request logged before the next is sent: an access log
   * entry is written once its response's last write completed, which can be after the client read
   * it, so without the wait a quick 429 after the burst could be logged ahead of the burst's last
   * 200.
   */
  private void spendBurst(String host, String from, String... headers) throws Exception {
    for (int i = 0; i < 3; i++) {
      int logged = entries.size();
      assertThat(get(host, from, headers).status())
          .as("request %d of the burst", i + 1)
          .isEqualTo(200);
      await().until(() -> entries.size() > logged);
    }
  }

  @Test
  void afterItsBurstAClientGets429WithRetryAfterAndTheRateLimitHeaders() throws Exception {
    spendBurst(LIMITED_HOST, "127.0.0.1");
    RawHttp.Response over = get(LIMITED_HOST, "127.0.0.1");
    assertThat(over.status()).isEqualTo(429);
    long retryAfter = Long.parseLong(over.header("retry-after"));
    assertThat(retryAfter).as("one request a minute").isBetween(1L, 60L);
    assertThat(over.header("ratelimit-policy")).isEqualTo("\"route\";q=1;w=60");
    assertThat(over.header("ratelimit")).isEqualTo("\"route\";r=0;t=" + retryAfter);
    assertThat(over.body()).contains("rate limit of web.shop.flycast exceeded");

    assertThat(fx.counter("flycast_rate_limited", "route", "shop/web")).isEqualTo(1.0);
    await().until(() -> entries.size() == 4);
    AccessLog.Entry limited = entries.get(3);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.limited()).isEqualTo(AccessLog.RATE_LIMITED);
    assertThat(limited.backend()).isNull();
    assertThat(limited.toJson()).endsWith(",\"limited\":\"rate_limit\"}");
    assertThat(entries.get(0).limited()).isNull();
    assertThat(entries.get(0).toJson()).doesNotContain("limited");
  }

  /** The IETF fields on every response of a limited route, so a client paces itself. */
  @Test
  void requestsWithinTheLimitCarryTheRateLimitHeaders() throws Exception {
    for (int left = 2; left >= 0; left--) {
      RawHttp.Response ok = get(LIMITED_HOST, "127.0.0.1");
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.header("ratelimit-policy")).isEqualTo("\"route\";q=1;w=60");
      assertThat(ok.header("ratelimit")).startsWith("\"route\";r=" + left + ";t=");
      long full = Long.parseLong(ok.header("ratelimit").replaceFirst(".*;t=", ""));
      assertThat(full).as("seconds until the burst of 3 is back").isBetween(1L, 180L);
    }
    assertThat(get(OPEN_HOST, "127.0.0.1").header("ratelimit")).as("no limit, no field").isNull();
  }

  @Test
  void otherClientsAndOtherRoutesAreUnaffected() throws Exception {
    spendBurst(LIMITED_HOST, "127.0.0.1");
    assertThat(get(LIMITED_HOST, "127.0.0.1").status()).isEqualTo(429);
    assertThat(get(LIMITED_HOST, "127.0.0.2").status()).as("another client").isEqualTo(200);
    for (int i = 0; i < 10; i++) {
      assertThat(get(OPEN_HOST, "127.0.0.1").status()).as("a route without limit").isEqualTo(200);
    }
    assertThat(fx.counter("flycast_rate_limited", "route", "shop/api")).isZero();
  }

  @Test
  void aLimitKeyedByAHeaderCountsEachValueOnItsOwn() throws Exception {
    route(LIMITED, new RateLimit(1, Duration.ofMinutes(1), 3, "x-api-key"));
    spendBurst(LIMITED_HOST, "127.0.0.1", "X-Api-Key: alice");
    assertThat(get(LIMITED_HOST, "127.0.0.2", "X-Api-Key: alice").status())
        .as("the same key from another address")
        .isEqualTo(429);
    assertThat(get(LIMITED_HOST, "127.0.0.1", "X-Api-Key: bob").status()).isEqualTo(200);
  }

  @Test
  void aChangedLimitStartsOverAndARemovedOneLetsEverythingThrough() throws Exception {
    spendBurst(LIMITED_HOST, "127.0.0.1");
    assertThat(get(LIMITED_HOST, "127.0.0.1").status()).isEqualTo(429);
    route(LIMITED, new RateLimit(1, Duration.ofMinutes(1), 1, null));
    assertThat(get(LIMITED_HOST, "127.0.0.1").status()).as("a fresh bucket").isEqualTo(200);
    assertThat(get(LIMITED_HOST, "127.0.0.1").status()).isEqualTo(429);
    route(LIMITED, null);
    for (int i = 0; i < 5; i++) {
      assertThat(get(LIMITED_HOST, "127.0.0.1").status()).isEqualTo(200);
    }
  }
}
