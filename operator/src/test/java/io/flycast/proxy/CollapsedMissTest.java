package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Collapsed misses over real sockets: identical requests for a URL nobody has stored yet wait for
 * the first one's response instead of each reaching the origin, and none is left hanging when that
 * response fails, is not stored, or its client goes away. The origin holds its answers until the
 * test has seen the waiters queue ({@code flycast_cache_collapsed_waiting}).
 */
class CollapsedMissTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";
  private static final String MAX_AGE = "x-origin-cache-control: max-age=60";

  private ProxyFixture fx;
  private CacheOrigin origin;
  private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeAll
  static void everyBufferTracked() {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
  }

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture(ProxyConfig.builder().shutdownGrace(Duration.ofSeconds(2)));
    origin = new CacheOrigin();
    origin.hold = release;
    fx.store.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(TestRoutes.httpPort(TestRoutes.freePort(), origin.port())))
            .cache(new CacheSettings(1024 * 1024, 64 * 1024))
            .build());
    fx.store.putBackends(KEY, List.of(backend("b1", "127.0.0.1", "test")));
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    clients.shutdownNow();
    fx.close();
    origin.close();
  }

  private List<Future<RawHttp.Response>> fire(int n, String... headers) {
    List<Future<RawHttp.Response>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          clients.submit(
              () -> {
                try (RawHttp c = new RawHttp(fx.httpPort())) {
                  return c.get(HOST, "/cold", headers);
                }
              }));
    }
    return out;
  }

  private void awaitWaiting(int n) {
    await()
        .atMost(Duration.ofSeconds(4))
        .until(() -> fx.gauge("flycast_cache_collapsed_waiting") == n);
  }

  /** Well within the wait cap: the waiters were woken, not timed out. */
  private static RawHttp.Response soon(Future<RawHttp.Response> f) throws Exception {
    return f.get(3, TimeUnit.SECONDS);
  }

  @Test
  void aHundredConcurrentMissesReachTheOriginOnce() throws Exception {
    List<Future<RawHttp.Response>> all = fire(100, MAX_AGE);
    awaitWaiting(99);
    release.countDown();
    int collapsed = 0;
    for (Future<RawHttp.Response> f : all) {
      RawHttp.Response r = soon(f);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).startsWith("n=1 ");
      if (r.header("cache-status").endsWith("detail=collapsed")) {
        collapsed++;
        assertThat(r.header("cache-status")).startsWith("Flycast; hit; ttl=");
      }
    }
    assertThat(origin.requests).as("backend requests for 100 clients").hasValue(1);
    assertThat(collapsed).isEqualTo(99);
    assertThat(fx.counter("flycast_cache_requests", "result", "hit")).isEqualTo(99);
    assertThat(fx.gauge("flycast_cache_collapsed_waiting")).isZero();
  }

  @Test
  void whenTheLeadersBackendFailsEachWaiterAsksTheOriginItself() throws Exception {
    origin.failNext.set(500);
    Future<RawHttp.Response> leader = fire(1, MAX_AGE).getFirst();
    await().until(() -> origin.requests.get() == 1);
    List<Future<RawHttp.Response>> waiters = fire(3, MAX_AGE);
    awaitWaiting(3);
    release.countDown();
    assertThat(soon(leader).status()).isEqualTo(500);
    for (Future<RawHttp.Response> f : waiters) {
      assertThat(soon(f).status()).isEqualTo(200);
    }
    assertThat(origin.requests.get()).as("the leader, then each waiter (or a hit)").isBetween(2, 4);
  }

  @Test
  void anUncacheableResponseSendsTheWaitersOnAtOnce() throws Exception {
    String noStore = "x-origin-cache-control: no-store";
    Future<RawHttp.Response> leader = fire(1, noStore).getFirst();
    await().until(() -> origin.requests.get() == 1);
    List<Future<RawHttp.Response>> waiters = fire(3, noStore);
    awaitWaiting(3);
    release.countDown();
    assertThat(soon(leader).body()).startsWith("n=1 ");
    for (Future<RawHttp.Response> f : waiters) {
      RawHttp.Response r = soon(f);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).doesNotStartWith("n=1 ");
      assertThat(r.header("cache-status")).doesNotContain("collapsed");
    }
    assertThat(origin.requests).hasValue(4);
  }

  @Test
  void whenTheLeadersClientGoesAwayTheWaitersGoOnWithoutIt() throws Exception {
    RawHttp leader = new RawHttp(fx.httpPort());
    leader.send("GET /cold HTTP/1.1\r\nHost: " + HOST + "\r\n" + MAX_AGE + "\r\n\r\n");
    await().until(() -> origin.requests.get() == 1);
    List<Future<RawHttp.Response>> waiters = fire(2, MAX_AGE);
    awaitWaiting(2);
    leader.close();
    // Woken by the leader's end, not by their 5 s timer: they reach the (still held) origin now.
    await().atMost(Duration.ofSeconds(3)).until(() -> origin.requests.get() >= 2);
    release.countDown();
    for (Future<RawHttp.Response> f : waiters) {
      assertThat(soon(f).status()).isEqualTo(200);
    }
    assertThat(fx.gauge("flycast_cache_collapsed_waiting")).isZero();
  }
}
