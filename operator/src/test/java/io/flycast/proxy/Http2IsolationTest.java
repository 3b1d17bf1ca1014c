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
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.TlsOptions;
import io.flycast.network.NetworkPolicy;
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
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Isolation holds for HTTP/2 clients too: each stream is checked with the connection's source
 * address. The JDK client cannot pick its source, so the test-side lookup moves 127.0.0.1 between
 * networks instead.
 */
class Http2IsolationTest {
  private static final RouteKey KEY = new RouteKey("a", "web");

  private final CatalogStore store = new CatalogStore();
  private final AtomicReference<String> clientNetwork = new AtomicReference<>("a");
  private ProxyServer proxy;
  private EchoHttpBackend echo;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    ServerCertificate cert = TestCertificates.selfSigned("web.a.flycast");
    echo = new EchoHttpBackend("b1");
    proxy =
        new ProxyServer(
                ProxyConfig.builder()
                    .httpAddress(null)
                    .dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))
                    .zone("test")
                    .workerThreads(2)
                    .build(),
                store,
                new ProxyMetrics(new PrometheusRegistry()),
                (route, secret) -> cert,
                BackendStarter.NONE,
                new NetworkPolicy(client -> Set.of(clientNetwork.get()), List.of()))
            .start();
    port = TestRoutes.freePort();
    PortSpec spec =
        new PortSpec(
            port,
            echo.port(),
            Set.of(Handler.TLS, Handler.HTTP),
            false,
            new TlsOptions("web-tls", List.of(), List.of()),
            ProxyProtoVersion.V1,
            HttpOptions.DEFAULT);
    store.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(spec))
            .isPrivate(true)
            .network("a")
            .build());
    store.putBackends(KEY, List.of(backend("b1", "test")));
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.dedicatedPorts().contains(port));
  }

  @AfterEach
  void tearDown() {
    proxy.stop();
    echo.close();
  }

  @Test
  void eachStreamIsCheckedAgainstTheConnectionsSource() throws Exception {
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    try (HttpClient c =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .sslContext(ssl)
            .connectTimeout(Duration.ofSeconds(10))
            .build()) {
      HttpResponse<String> ok = get(c);
      assertThat(ok.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(ok.statusCode()).isEqualTo(200);

      clientNetwork.set("b");
      HttpResponse<String> refused = get(c);
      assertThat(refused.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains("web.a.flycast is private to network 'a'");
    }
  }

  private HttpResponse<String> get(HttpClient c) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(10))
            .build();
    return c.send(req, HttpResponse.BodyHandlers.ofString());
  }
}
