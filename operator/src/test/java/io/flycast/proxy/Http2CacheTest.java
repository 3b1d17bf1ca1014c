package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.network.NetworkPolicy;
import io.flycast.proxy.tls.ServerCertificate;
import io.netty.util.ResourceLeakDetector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 clients share the HTTP/1.1 request path, the cache included: a response stored for one
 * stream answers the next, a revalidation's 304 is served as the stored response, and HEAD gets the
 * stored headers without a body.
 */
class Http2CacheTest {
  private static final RouteKey KEY = new RouteKey("a", "web");

  private final CatalogStore store = new CatalogStore();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private ProxyServer proxy;
  private CacheOrigin origin;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    ServerCertificate cert = TestCertificates.selfSigned("web.a.flycast");
    origin = new CacheOrigin();
    proxy =
        new ProxyServer(
                H2TestClient.dedicatedProxyConfig().build(),
                store,
                new ProxyMetrics(registry),
                (route, secret) -> cert,
                BackendStarter.NONE,
                new NetworkPolicy(client -> Set.of("a"), List.of()))
            .start();
    port = TestRoutes.freePort();
    store.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(H2TestClient.tlsHttpPort(port, origin.port())))
            .cache(CacheSettings.DEFAULT)
            .build());
    store.putBackends(KEY, List.of(backend("b1", "test")));
    H2TestClient.awaitListening(proxy, port, Duration.ofSeconds(5));
  }

  @AfterEach
  void tearDown() {
    proxy.stop();
    origin.close();
  }

  @Test
  void streamsAreAnsweredFromTheCache() throws Exception {
    try (H2TestClient c = new H2TestClient(port)) {
      HttpResponse<String> miss = c.send("GET", "/a", "x-origin-cache-control", "max-age=60");
      assertThat(miss.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(miss.headers().firstValue("cache-status"))
          .hasValueSatisfying(v -> assertThat(v).endsWith("stored"));
      HttpResponse<String> hit = c.send("GET", "/a", "x-origin-cache-control", "max-age=60");
      assertThat(hit.body()).isEqualTo(miss.body());
      assertThat(hit.headers().firstValue("cache-status"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("Flycast; hit"));
      HttpResponse<String> head = c.send("HEAD", "/a");
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      assertThat(head.headers().firstValue("cache-status"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("Flycast; hit"));

      String[] validated = {"x-origin-cache-control", "no-cache", "x-origin-etag", "\"e1\""};
      HttpResponse<String> first = c.send("GET", "/r", validated);
      HttpResponse<String> revalidated = c.send("GET", "/r", validated);
      assertThat(revalidated.statusCode()).isEqualTo(200);
      assertThat(revalidated.body()).isEqualTo(first.body());
      assertThat(revalidated.headers().firstValue("cache-status"))
          .hasValue("Flycast; fwd=stale; fwd-status=304");
      assertThat(origin.requests).hasValue(3);
    }
  }

  /** Streams of one connection collapse as HTTP/1.1 connections do (CollapsedMissTest). */
  @Test
  void concurrentStreamsMissingTheSameUrlReachTheOriginOnce() throws Exception {
    var release = new java.util.concurrent.CountDownLatch(1);
    origin.hold = release;
    try (H2TestClient c = new H2TestClient(port)) {
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all =
          new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(c.sendAsync("GET", "/cold", "x-origin-cache-control", "max-age=60"));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> waiting() == 19);
      release.countDown();
      for (var f : all) {
        HttpResponse<String> r = f.get(3, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.body()).startsWith("n=1 ");
      }
      assertThat(origin.requests).hasValue(1);
    } finally {
      release.countDown();
    }
  }

  private double waiting() {
    return registry.scrape().stream()
        .filter(m -> m.getMetadata().getName().equals("flycast_cache_collapsed_waiting"))
        .flatMap(m -> m.getDataPoints().stream())
        .mapToDouble(
            dp ->
                ((io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot) dp)
                    .getValue())
        .sum();
  }
}
