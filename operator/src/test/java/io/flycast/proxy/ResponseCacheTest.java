package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.PortSpec;
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
 * A route's response cache over real sockets, against a real origin: what is stored, what is served
 * from it (and so never reaches the origin), what {@code Cache-Status} says, and the bounds.
 */
class ResponseCacheTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";
  private static final String MAX_AGE = "x-origin-cache-control: max-age=60";

  private ProxyFixture fx;
  private CacheOrigin origin;
  private PortSpec port;
  private final List<AccessLog.Entry> entries = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void everyBufferTracked() {
    // Every buffer tracked: a stored body or a copy that is never released is reported (LEAK).
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
  }

  @BeforeEach
  void setUp() throws Exception {
    start(CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
  }

  private void start(long globalMax) throws Exception {
    fx =
        new ProxyFixture(
            ProxyConfig.builder()
                .shutdownGrace(Duration.ofSeconds(2))
                .cacheMaxBytes(globalMax)
                .accessLogSink(entries::add));
    origin = new CacheOrigin();
    port = TestRoutes.httpPort(TestRoutes.freePort(), origin.port());
    route(new CacheSettings(64 * 1024, 4 * 1024), List.of());
    fx.store.putBackends(KEY, List.of(backend("b1", "127.0.0.1", "test")));
  }

  private void route(CacheSettings cache, List<String> hostnames) throws Exception {
    fx.store.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(port))
            .hostnames(hostnames)
            .cache(cache)
            .build());
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

  private double result(String r) {
    return fx.counter("flycast_cache_requests", "route", "shop/web", "result", r);
  }

  @Test
  void theSecondRequestIsAHitThatNeverReachesTheOrigin() throws Exception {
    RawHttp.Response miss = get("/a", MAX_AGE);
    assertThat(miss.status()).isEqualTo(200);
    assertThat(miss.header("cache-status"))
        .isEqualTo("Flycast; fwd=uri-miss; fwd-status=200; stored");
    RawHttp.Response hit = get("/a", MAX_AGE);
    assertThat(hit.status()).isEqualTo(200);
    assertThat(hit.body()).isEqualTo(miss.body()).startsWith("n=1 ");
    assertThat(hit.header("cache-status")).startsWith("Flycast; hit; ttl=");
    assertThat(hit.header("age")).isNotNull();
    assertThat(hit.header("fly-request-id")).isNotEqualTo(miss.header("fly-request-id"));
    assertThat(origin.requests).hasValue(1);
    assertThat(result("miss")).isEqualTo(1);
    assertThat(result("hit")).isEqualTo(1);
    assertThat(fx.gauge("flycast_cache_bytes")).isPositive();
  }

  /** The access log says per request what the metric counts: grep the misses of a URL. */
  @Test
  void theAccessLogRecordsWhatTheCacheDid() throws Exception {
    // An entry is written once its response's last write completed, which may be after the client
    // read it: each request waits for the one before to be logged, so the order is the requests'.
    get("/log", MAX_AGE);
    await().until(() -> entries.size() == 1);
    get("/log", MAX_AGE);
    await().until(() -> entries.size() == 2);
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      c.send("DELETE /log HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 0\r\n\r\n");
      c.read();
    }
    await().until(() -> entries.size() == 3);
    assertThat(entries).extracting(AccessLog.Entry::cache).containsExactly("miss", "hit", "bypass");
    assertThat(entries.get(1).toJson()).endsWith(",\"route\":\"shop/web\",\"cache\":\"hit\"}");
    assertThat(entries.get(1).backend()).as("a hit asks no backend").isNull();
  }

  @Test
  void aHitIsServedWhileTheRouteHasNoBackendAtAll() throws Exception {
    get("/a", MAX_AGE);
    fx.store.putBackends(KEY, List.of()); // stopped at zero
    RawHttp.Response hit = get("/a", MAX_AGE);
    assertThat(hit.status()).isEqualTo(200);
    assertThat(hit.header("cache-status")).startsWith("Flycast; hit");
    assertThat(get("/b", MAX_AGE).status()).as("a miss needs a backend").isEqualTo(503);
  }

  @Test
  void noStoreAndPrivateResponsesAreNeverStored() throws Exception {
    for (String cc : List.of("no-store", "private, max-age=60")) {
      String path = "/" + cc.hashCode();
      RawHttp.Response first = get(path, "x-origin-cache-control: " + cc);
      assertThat(first.header("cache-status"))
          .isEqualTo("Flycast; fwd=uri-miss; fwd-status=200; detail=" + cc.split(",")[0]);
      RawHttp.Response second = get(path, "x-origin-cache-control: " + cc);
      assertThat(second.body()).isNotEqualTo(first.body());
    }
    assertThat(origin.requests).hasValue(4);
    assertThat(result("hit")).isZero();
  }

  @Test
  void setCookieResponsesAreNotStored() throws Exception {
    get("/c", MAX_AGE, "x-origin-set-cookie: id=1");
    assertThat(get("/c", MAX_AGE, "x-origin-set-cookie: id=1").header("cache-status"))
        .endsWith("detail=set-cookie");
    assertThat(origin.requests).hasValue(2);
  }

  @Test
  void varySeparatesVariants() throws Exception {
    String vary = "x-origin-vary: Accept-Language";
    RawHttp.Response en = get("/v", MAX_AGE, vary, "Accept-Language: en");
    RawHttp.Response fr = get("/v", MAX_AGE, vary, "Accept-Language: fr");
    assertThat(fr.header("cache-status")).startsWith("Flycast; fwd=vary-miss");
    assertThat(fr.body()).contains("lang=fr");
    RawHttp.Response enAgain = get("/v", MAX_AGE, vary, "Accept-Language: en");
    assertThat(enAgain.header("cache-status")).startsWith("Flycast; hit");
    assertThat(enAgain.body()).isEqualTo(en.body()).contains("lang=en");
    assertThat(get("/v", MAX_AGE, vary, "Accept-Language: fr").body()).isEqualTo(fr.body());
    assertThat(origin.requests).hasValue(2);
  }

  @Test
  void revalidationSendsIfNoneMatchAndServesThe304AsAHit() throws Exception {
    String[] h = {"x-origin-cache-control: no-cache", "x-origin-etag: \"v1\""};
    RawHttp.Response first = get("/r", h);
    assertThat(first.header("cache-status")).endsWith("stored");
    RawHttp.Response second = get("/r", h);
    assertThat(origin.ifNoneMatch).containsExactly("-", "\"v1\"");
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.header("cache-status")).isEqualTo("Flycast; fwd=stale; fwd-status=304");
    assertThat(second.header("etag")).isEqualTo("\"v1\"");
    assertThat(result("hit")).isEqualTo(1);
    // the client's own validator, on a fresh entry: a 304 from the cache
    String[] fresh = {MAX_AGE, "x-origin-etag: \"v2\""};
    get("/f", fresh);
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      RawHttp.Response notModified = c.get(HOST, "/f", "If-None-Match: W/\"v2\"");
      assertThat(notModified.status()).isEqualTo(304);
      assertThat(notModified.header("cache-status")).startsWith("Flycast; hit");
      assertThat(c.get(HOST, "/f").status()).as("the connection goes on").isEqualTo(200);
    }
  }

  @Test
  void aFreshHitAnswersIfModifiedSinceWithA304() throws Exception {
    String lastModified = "x-origin-last-modified: Tue, 01 Dec 2026 10:00:00 GMT";
    get("/lm", MAX_AGE, lastModified);
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      RawHttp.Response same =
          c.get(HOST, "/lm", "If-Modified-Since: Tue, 01 Dec 2026 10:00:00 GMT");
      assertThat(same.status()).isEqualTo(304);
      assertThat(same.header("cache-status")).startsWith("Flycast; hit");
      RawHttp.Response older =
          c.get(HOST, "/lm", "If-Modified-Since: Mon, 30 Nov 2026 10:00:00 GMT");
      assertThat(older.status()).as("changed since the client's copy").isEqualTo(200);
      assertThat(older.body()).startsWith("n=1 ");
    }
    assertThat(origin.requests).hasValue(1);
  }

  @Test
  void aSpecChangeAndAManualPurgeDropTheRoutesResponses() throws Exception {
    get("/p", MAX_AGE);
    assertThat(get("/p", MAX_AGE).header("cache-status")).startsWith("Flycast; hit");
    route(new CacheSettings(64 * 1024, 4 * 1024), List.of("www.example.com")); // another change
    assertThat(get("/p", MAX_AGE).header("cache-status")).startsWith("Flycast; fwd=uri-miss");
    assertThat(origin.requests).hasValue(2);
    assertThat(fx.proxy.purgeCache(KEY)).isTrue();
    assertThat(get("/p", MAX_AGE).header("cache-status")).startsWith("Flycast; fwd=uri-miss");
    assertThat(origin.requests).hasValue(3);
    route(null, List.of()); // cache off: no Cache-Status, nothing kept
    assertThat(get("/p", MAX_AGE).header("cache-status")).isNull();
    assertThat(fx.gauge("flycast_cache_bytes")).isZero();
  }

  @Test
  void anAuthorizedRequestIsNotAnsweredFromOrStoredInTheCacheUnlessTheResponseIsPublic()
      throws Exception {
    String auth = "Authorization: Bearer secret";
    assertThat(get("/auth", MAX_AGE, auth).header("cache-status")).endsWith("detail=authorization");
    assertThat(get("/auth", MAX_AGE).header("cache-status")).contains("fwd=uri-miss");
    assertThat(get("/auth", MAX_AGE, auth).header("cache-status"))
        .as("stored for anonymous clients, not served to authorized ones")
        .startsWith("Flycast; fwd=request");
    assertThat(origin.requests).hasValue(3);
    String pub = "x-origin-cache-control: public, max-age=60";
    get("/pub", pub, auth);
    assertThat(get("/pub", pub, auth).header("cache-status")).startsWith("Flycast; hit");
  }

  @Test
  void aBodyOverTheEntryCapStreamsThroughUncached() throws Exception {
    RawHttp.Response big = get("/big", MAX_AGE, "x-origin-size: 5000");
    assertThat(big.body()).hasSize(5000);
    assertThat(big.header("cache-status")).endsWith("detail=too-large");
    String[] chunked = {MAX_AGE, "x-origin-size: 5000", "x-origin-chunked: true"};
    RawHttp.Response streamed = get("/chunked", chunked);
    assertThat(streamed.body()).hasSize(5000);
    assertThat(get("/chunked", chunked).header("cache-status")).contains("fwd=uri-miss");
    RawHttp.Response small =
        get("/small", MAX_AGE, "x-origin-size: 3000", "x-origin-chunked: true");
    assertThat(small.body()).hasSize(3000);
    assertThat(get("/small", MAX_AGE).body()).as("a chunked body under the cap").hasSize(3000);
    assertThat(origin.requests).hasValue(4);
  }

  @Test
  void aFloodOfDistinctUrlsStaysWithinTheReplicasCap() throws Exception {
    fx.close();
    origin.close();
    start(16 * 1024); // smaller than the route's 64 KiB
    for (int i = 0; i < 200; i++) {
      assertThat(get("/flood/" + i, MAX_AGE, "x-origin-size: 1000").status()).isEqualTo(200);
      assertThat(fx.gauge("flycast_cache_bytes")).isLessThanOrEqualTo(16 * 1024);
    }
    assertThat(fx.gauge("flycast_cache_bytes")).isGreaterThan(8 * 1024);
  }

  @Test
  void headIsAnsweredFromWhatAGetStored() throws Exception {
    RawHttp.Response got = get("/h", MAX_AGE);
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      c.send("HEAD /h HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
      RawHttp.Response head = c.read(true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo(String.valueOf(got.body().length()));
      assertThat(head.header("cache-status")).startsWith("Flycast; hit");
      assertThat(c.get(HOST, "/h").body())
          .as("no body was sent for the HEAD")
          .isEqualTo(got.body());
    }
    assertThat(origin.requests).hasValue(1);
  }

  @Test
  void unsafeMethodsBypassAndInvalidate() throws Exception {
    get("/u", MAX_AGE);
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      c.send("POST /u HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 0\r\n\r\n");
      assertThat(c.read().header("cache-status")).isEqualTo("Flycast; fwd=bypass; detail=method");
    }
    assertThat(get("/u", MAX_AGE).header("cache-status")).startsWith("Flycast; fwd=uri-miss");
    assertThat(result("bypass")).isEqualTo(1);
  }
}
