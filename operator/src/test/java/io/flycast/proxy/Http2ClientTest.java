package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.TlsOptions;
import io.flycast.proxy.tls.ServerCertificate;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP/2 from clients on TLS HTTP ports, negotiated by ALPN, and HTTP/1.1 on the same ports. */
class Http2ClientTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");

  private final CatalogStore store = new CatalogStore();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private ProxyServer proxy;
  private EchoHttpBackend echo;

  @BeforeEach
  void setUp() throws Exception {
    // Key material only, as SecretCertificates returns it: the proxy builds contexts per port
    // (ALPN).
    ServerCertificate cert = TestCertificates.selfSigned("shop.example.com");
    echo = new EchoHttpBackend("b1");
    proxy =
        new ProxyServer(
                ProxyConfig.builder()
                    .httpAddress(null)
                    .httpsAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
                    .dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))
                    .zone("test")
                    .workerThreads(2)
                    .build(),
                store,
                new ProxyMetrics(registry),
                (route, secret) -> cert)
            .start();
  }

  @AfterEach
  void tearDown() {
    proxy.stop();
    echo.close();
  }

  private int route(List<String> alpn) {
    return route(alpn, echo.port(), HttpOptions.DEFAULT);
  }

  private int route(List<String> alpn, int targetPort, HttpOptions http) {
    int port = TestRoutes.freePort();
    PortSpec spec =
        new PortSpec(
            port,
            targetPort,
            Set.of(Handler.TLS, Handler.HTTP),
            false,
            new TlsOptions("web-tls", alpn, List.of()),
            ProxyProtoVersion.V1,
            http);
    store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of("shop.example.com"), List.of(spec)));
    store.putBackends(KEY, List.of(backend("b1", "test")));
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.dedicatedPorts().contains(port));
    return port;
  }

  private double protocolCount(String protocol) {
    return registry.scrape().stream()
        .filter(
            m -> m.getMetadata().getPrometheusName().equals("flycast_proxy_tls_http_connections"))
        .flatMap(m -> m.getDataPoints().stream())
        .filter(dp -> protocol.equals(dp.getLabels().get("protocol")))
        .mapToDouble(
            dp ->
                ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot)
                        dp)
                    .getValue())
        .sum();
  }

  private static HttpClient client(HttpClient.Version version) throws Exception {
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    return HttpClient.newBuilder()
        .version(version)
        .sslContext(ssl)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static HttpResponse<String> get(HttpClient c, int port, String path) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build();
    return c.send(req, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void h2ClientGetsHttp2AndTheBackendGetsFlyHeaders() throws Exception {
    int port = route(List.of()); // no alpn set: h2 and http/1.1 by default
    try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
      HttpResponse<String> resp = get(c, port, "/");
      assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(protocolCount("h2")).isEqualTo(1.0);
      assertThat(resp.headers().firstValue("x-backend")).hasValue("b1");
      assertThat(resp.headers().firstValue("fly-request-id")).isPresent();
      assertThat(resp.body())
          .contains("x-forwarded-proto: https\n")
          .contains("fly-client-ip: 127.0.0.1\n")
          .contains("host: 127.0.0.1:" + port + "\n")
          .doesNotContain("x-http2");
    }
  }

  @Test
  void sharedHttpsListenerSpeaksH2WithTheCertificateChosenBySni() throws Exception {
    route(List.of());
    try (NettyH2Client c = new NettyH2Client("shop.example.com", proxy.httpsAddress().getPort())) {
      assertThat(c.protocol()).isEqualTo("h2");
      NettyH2Client.Response resp = c.get("shop.example.com", "/");
      assertThat(resp.status()).isEqualTo(200);
      assertThat(resp.body())
          .contains("host: shop.example.com\n")
          .contains("x-forwarded-proto: https\n")
          .contains("fly-request-id: ");
      assertThat(c.get("unknown.example.com", "/").status()).isEqualTo(404); // routed by :authority
    }
  }

  @Test
  void stoppingTheProxyClosesAnIdleH2ConnectionWithoutWaitingForTheGrace() throws Exception {
    route(List.of());
    try (NettyH2Client c = new NettyH2Client("shop.example.com", proxy.httpsAddress().getPort())) {
      assertThat(c.get("shop.example.com", "/").status()).isEqualTo(200);
      long start = System.nanoTime();
      proxy.stop();
      // The default grace is 10 s; an idle connection must not hold the stop that long.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(5)).until(() -> !c.isOpen());
    }
  }

  @Test
  void idleH2ConnectionIsClosedAfterThePortsIdleTimeout() throws Exception {
    int port =
        route(
            List.of(),
            echo.port(),
            new HttpOptions(false, Duration.ofMillis(300), java.util.Map.of()));
    try (NettyH2Client c = new NettyH2Client("shop.example.com", port)) {
      assertThat(c.get("shop.example.com", "/").status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> !c.isOpen());
    }
  }

  @Test
  void manyStreamsOnOneConnectionAreProxiedConcurrently() throws Exception {
    int port = route(List.of("h2", "http/1.1"));
    try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
      get(c, port, "/warm"); // one connection first, so the requests below share it
      List<CompletableFuture<HttpResponse<String>>> all =
          IntStream.range(0, 20)
              .mapToObj(
                  i ->
                      c.sendAsync(
                          HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/" + i))
                              .POST(HttpRequest.BodyPublishers.ofString("body-" + i))
                              .timeout(Duration.ofSeconds(10))
                              .build(),
                          HttpResponse.BodyHandlers.ofString()))
              .toList();
      for (int i = 0; i < all.size(); i++) {
        HttpResponse<String> resp = all.get(i).get();
        assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(resp.body()).endsWith("\nbody-" + i);
      }
    }
  }

  @Test
  void h2ClientToAnH2cBackendIsHttp2BothWays() throws Exception {
    try (H2cEchoBackend h2c = new H2cEchoBackend()) {
      int port =
          route(
              List.of(),
              h2c.port(),
              new HttpOptions(true, HttpOptions.DEFAULT_IDLE_TIMEOUT, java.util.Map.of()));
      try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
        HttpResponse<String> resp = get(c, port, "/both");
        assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(resp.headers().firstValue("x-backend")).hasValue("h2c");
        assertThat(resp.body()).startsWith("uri: /both\n").contains("x-forwarded-proto: https\n");
      }
    }
  }

  @Test
  void expectContinueGetsTheInterimResponseThenTheFinalOne() throws Exception {
    int port = route(List.of());
    try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/upload"))
              .expectContinue(true)
              .POST(HttpRequest.BodyPublishers.ofString("after-continue"))
              .timeout(Duration.ofSeconds(10))
              .build();
      HttpResponse<String> resp = c.send(req, HttpResponse.BodyHandlers.ofString());
      assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.body())
          .containsIgnoringCase("expect: 100-continue\n")
          .endsWith("\nafter-continue");
    }
  }

  @Test
  void largeBodiesFlowBothWaysUnderFlowControl() throws Exception {
    int port = route(List.of());
    String big = "x".repeat(3 << 20);
    try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
      HttpResponse<String> resp =
          c.send(
              HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/big"))
                  .POST(HttpRequest.BodyPublishers.ofString(big))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(resp.body()).endsWith("\n\n" + big);
    }
  }

  @Test
  void flyReplayAppliesToH2Streams() throws Exception {
    // A backend in the proxy's zone (so the balancer picks it first) that always asks for b1.
    try (ScriptedBackend asker =
        new ScriptedBackend(
            "127.0.0.2",
            echo.port(),
            (s, head) ->
                ScriptedBackend.write(
                    s,
                    """
                    HTTP/1.1 200 OK\r
                    fly-replay: instance=b1\r
                    Content-Length: 7\r
                    \r
                    ignored\
                    """))) {
      int port = route(List.of());
      store.putBackends(
          KEY, List.of(backend("asker", "127.0.0.2", "test"), backend("b1", "127.0.0.1", "far")));
      try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
        HttpResponse<String> resp = get(c, port, "/");
        assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(resp.headers().firstValue("x-backend")).hasValue("b1");
        assertThat(resp.headers().firstValue("fly-replay")).isEmpty();
        assertThat(resp.body()).contains("fly-replay-src: instance=asker;");
      }
      assertThat(asker.heads).hasSize(1);
    }
  }

  @Test
  void http11ClientStillWorks() throws Exception {
    int port = route(List.of());
    try (HttpClient c = client(HttpClient.Version.HTTP_1_1)) {
      HttpResponse<String> resp = get(c, port, "/");
      assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(resp.body()).contains("x-forwarded-proto: https\n");
      assertThat(protocolCount("http/1.1")).isEqualTo(1.0);
    }
  }

  @Test
  void portOfferingOnlyHttp11NegotiatesHttp11() throws Exception {
    int port = route(List.of("http/1.1"));
    try (HttpClient c = client(HttpClient.Version.HTTP_2)) {
      HttpResponse<String> resp = get(c, port, "/");
      assertThat(resp.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(resp.statusCode()).isEqualTo(200);
    }
  }
}
