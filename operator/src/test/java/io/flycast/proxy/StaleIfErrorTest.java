package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.RateLimit;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 5861 {@code stale-if-error} over real sockets: a stale stored response answers in place of
 * the origin's 5xx, or of no backend at all, while its window lasts; past it, or without the
 * directive, the error goes through. The origin's {@code Age: 100} makes each stored response 40 s
 * stale on arrival ({@code max-age=60}).
 */
class StaleIfErrorTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";
  private static final String AGED = "x-origin-age: 100";

  private ProxyFixture fx;
  private CacheOrigin origin;
  private final List<AccessLog.Entry> entries = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void everyBufferTracked() {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
  }

  @BeforeEach
  void setUp() throws Exception {
    fx =
        new ProxyFixture(
            ProxyConfig.builder().shutdownGrace(Duration.ofSeconds(2)).accessLogSink(entries::add));
    origin = new CacheOrigin();
    fx.store.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(TestRoutes.httpPort(TestRoutes.freePort(), origin.port())))
            .cache(new CacheSettings(1024 * 1024, 64 * 1024))
            .build());
    fx.store.putBackends(KEY, List.of(backend("b1", "127.0.0.1", "test")));
  }

  @AfterEach
  void tearDown() {
    fx.close();
    origin.close();
  }

  private RawHttp.Response get(String path, String... headers) throws Exception {
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      return c.get(HOST, path, headers);
    }
  }

  @Test
  void aStaleEntryAnswersInPlaceOfTheOrigins5xxWithinItsWindow() throws Exception {
    String cc = "x-origin-cache-control: max-age=60, stale-if-error=600";
    RawHttp.Response stored = get("/s", cc, AGED);
    assertThat(stored.header("cache-status")).endsWith("stored");
    origin.failNext.set(503);
    RawHttp.Response stale = get("/s", cc, AGED);
    assertThat(stale.status()).isEqualTo(200);
    assertThat(stale.body()).isEqualTo(stored.body());
    assertThat(stale.header("cache-status"))
        .isEqualTo("Flycast; hit; fwd=stale; fwd-status=503; detail=stale-if-error");
    assertThat(Long.parseLong(stale.header("age"))).isGreaterThanOrEqualTo(100);
    assertThat(origin.requests).hasValue(2);
    assertThat(fx.counter("flycast_cache_requests", "result", "stale")).isEqualTo(1);
    await().until(() -> entries.size() == 2);
    assertThat(entries.get(1).cache()).isEqualTo("stale");
    // The origin is back: its new response replaces the stale one.
    assertThat(get("/s", cc, AGED).body()).startsWith("n=3 ");
  }

  @Test
  void aStaleEntryAnswersWhenNoBackendCanBeReached() throws Exception {
    String cc = "x-origin-cache-control: max-age=60, stale-if-error=600";
    RawHttp.Response stored = get("/u", cc, AGED);
    fx.store.putBackends(KEY, List.of()); // stopped, or all gone
    RawHttp.Response stale = get("/u", cc, AGED);
    assertThat(stale.status()).isEqualTo(200);
    assertThat(stale.body()).isEqualTo(stored.body());
    assertThat(stale.header("cache-status"))
        .isEqualTo("Flycast; hit; fwd=stale; detail=stale-if-error");
    assertThat(get("/other", cc).status()).as("nothing stored: the error").isEqualTo(503);
  }

  @Test
  void aStaleEntryForAFailureCarriesTheRouteRateLimitFieldsAsAHitDoes() throws Exception {
    fx.store.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(TestRoutes.httpPort(TestRoutes.freePort(), origin.port())))
            .cache(new CacheSettings(1024 * 1024, 64 * 1024))
            .rateLimit(new RateLimit(100, Duration.ofMinutes(1), 100, null))
            .build());
    String cc = "x-origin-cache-control: max-age=60, stale-if-error=600";
    assertThat(get("/r", cc, AGED).header("ratelimit-policy")).isNotNull();
    fx.store.putBackends(KEY, List.of()); // stopped, or all gone
    RawHttp.Response stale = get("/r", cc, AGED);
    assertThat(stale.header("cache-status")).endsWith("detail=stale-if-error");
    assertThat(stale.header("ratelimit-policy")).isEqualTo("\"route\";q=100;w=60");
    assertThat(stale.header("ratelimit")).startsWith("\"route\";r=");
  }

  @Test
  void pastItsWindowOrWithoutTheDirectiveTheErrorGoesThrough() throws Exception {
    for (String cc :
        List.of(
            "max-age=60, stale-if-error=10", // 40 s stale: past its 10 s
            "max-age=60", // no stale-if-error
            "max-age=60, stale-if-error=600, must-revalidate")) { // RFC 9111 4.2.4: never stale
      String path = "/" + Integer.toHexString(cc.hashCode());
      get(path, "x-origin-cache-control: " + cc, AGED);
      origin.failNext.set(503);
      RawHttp.Response error = get(path, "x-origin-cache-control: " + cc, AGED);
      assertThat(error.status()).as(cc).isEqualTo(503);
    }
    assertThat(fx.counter("flycast_cache_requests", "result", "stale")).isZero();
  }
}
