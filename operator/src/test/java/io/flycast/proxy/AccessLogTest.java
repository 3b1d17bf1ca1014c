package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One access log entry, and the per-request metrics, for every request the proxy answers. */
class AccessLogTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";

  private final List<AccessLog.Entry> entries = new CopyOnWriteArrayList<>();
  private ProxyFixture fx;
  private EchoHttpBackend echo;

  @BeforeEach
  void setUp() throws Exception {
    fx =
        new ProxyFixture(
            ProxyConfig.builder().shutdownGrace(Duration.ofSeconds(2)).accessLogSink(entries::add));
    echo = new EchoHttpBackend("b1");
    fx.store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(),
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
    fx.store.putBackends(KEY, List.of(backend("b1", "127.0.0.1", "test")));
  }

  @AfterEach
  void tearDown() {
    fx.close();
    echo.close();
  }

  @Test
  void proxiedRequestIsLoggedWithItsBackend() throws Exception {
    Instant before = Instant.now();
    RawHttp.Response r;
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      r = c.get(HOST, "/cart?token=secret");
    }
    await().until(() -> entries.size() == 1);
    AccessLog.Entry e = entries.get(0);
    assertThat(e.time()).isAfterOrEqualTo(before.minusMillis(1));
    assertThat(e.host()).isEqualTo(HOST);
    assertThat(e.method()).isEqualTo("GET");
    assertThat(e.path()).isEqualTo("/cart");
    assertThat(e.status()).isEqualTo(200);
    assertThat(e.bytesSent())
        .isEqualTo(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    assertThat(e.durationMs()).isGreaterThanOrEqualTo(0);
    assertThat(e.backend()).isEqualTo("b1");
    assertThat(e.zone()).isEqualTo("test");
    assertThat(e.requestId()).isEqualTo(r.header("fly-request-id")).isNotBlank();
    assertThat(e.clientIp()).isEqualTo("127.0.0.1");
    assertThat(e.route()).isEqualTo("shop/web");
    assertThat(e.toJson())
        .startsWith("{\"time\":\"")
        .contains(
            "\"host\":\"web.shop.flycast\"",
            "\"status\":200",
            "\"backend\":\"b1\"",
            "\"route\":\"shop/web\"")
        .doesNotContain("secret");

    assertThat(fx.counter("flycast_proxy_response_bytes", "route", "shop/web"))
        .isEqualTo((double) e.bytesSent());
    assertThat(fx.counter("flycast_proxy_requests_by_method", "route", "shop/web", "method", "GET"))
        .isEqualTo(1.0);
    assertThat(fx.counter("flycast_proxy_http_requests", "route", "shop/web", "status", "200"))
        .isEqualTo(1.0);
    assertThat(durationCount("shop/web")).isEqualTo(1);
  }

  @Test
  void localAnswersAreLoggedWithoutBackend() throws Exception {
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      assertThat(c.get("nothing.flycast", "/").status()).isEqualTo(404);
      assertThat(c.get(HOST, "/", "fly-force-instance-id: gone").status()).isEqualTo(503);
    }
    await().until(() -> entries.size() == 2);
    assertThat(entries.get(0).status()).isEqualTo(404);
    assertThat(entries.get(0).route()).isNull();
    assertThat(entries.get(0).backend()).isNull();
    assertThat(entries.get(0).bytesSent()).isPositive();
    assertThat(entries.get(1).status()).isEqualTo(503);
    assertThat(entries.get(1).route()).isEqualTo("shop/web");
    assertThat(entries.get(1).requestId()).isNotBlank();
  }

  @Test
  void oddMethodsAreCountedAsOther() throws Exception {
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      c.send("BREW / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
      c.read();
    }
    await().until(() -> entries.size() == 1);
    assertThat(entries.get(0).method()).isEqualTo("BREW");
    assertThat(fx.counter("flycast_proxy_requests_by_method", "method", "OTHER")).isEqualTo(1.0);
  }

  @Test
  void jsonEscapes() {
    var e =
        new AccessLog.Entry(
            Instant.EPOCH, "h\"ost", "GET", "/a\\b\n", 200, 1, 2, null, null, "id", "::1", "r");
    assertThat(e.toJson())
        .isEqualTo(
            "{\"time\":\"1970-01-01T00:00:00Z\",\"host\":\"h\\\"ost\",\"method\":\"GET\",\"path\":\"/a\\\\b\\n"
                + "\",\"status\":200,\"bytes_sent\":1,\"duration_ms\":2,\"backend\":null,\"zone\":null,"
                + "\"request_id\":\"id\",\"client_ip\":\"::1\",\"route\":\"r\"}");
    assertThat(e.cache()).as("no cache on the route: no field").isNull();
  }

  @Test
  void canBeTurnedOff() throws Exception {
    fx.close();
    fx =
        new ProxyFixture(
            ProxyConfig.builder()
                .shutdownGrace(Duration.ofSeconds(2))
                .accessLog(false)
                .accessLogSink(entries::add));
    fx.store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(),
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
    fx.store.putBackends(KEY, List.of(backend("b1", "127.0.0.1", "test")));
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      assertThat(c.get(HOST, "/").status()).isEqualTo(200);
    }
    // Metrics still count; only the log is off.
    await().until(() -> durationCount("shop/web") == 1);
    assertThat(entries).isEmpty();
  }

  private long durationCount(String route) {
    return fx.histogramCount("flycast_proxy_request_duration_seconds", "route", route);
  }
}
