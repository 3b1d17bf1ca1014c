package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.network.NetworkPolicy;
import io.flycast.proxy.tls.ServerCertificate;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
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
                H2TestClient.dedicatedProxyConfig().build(),
                store,
                new ProxyMetrics(new PrometheusRegistry()),
                (route, secret) -> cert,
                BackendStarter.NONE,
                new NetworkPolicy(client -> Set.of(clientNetwork.get()), List.of()))
            .start();
    port = TestRoutes.freePort();
    store.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(H2TestClient.tlsHttpPort(port, echo.port())))
            .isPrivate(true)
            .network("a")
            .build());
    store.putBackends(KEY, List.of(backend("b1", "test")));
    H2TestClient.awaitListening(proxy, port, Duration.ofSeconds(5));
  }

  @AfterEach
  void tearDown() {
    proxy.stop();
    echo.close();
  }

  @Test
  void eachStreamIsCheckedAgainstTheConnectionsSource() throws Exception {
    try (H2TestClient c = new H2TestClient(port)) {
      HttpResponse<String> ok = c.send("GET", "/");
      assertThat(ok.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(ok.statusCode()).isEqualTo(200);

      clientNetwork.set("b");
      HttpResponse<String> refused = c.send("GET", "/");
      assertThat(refused.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains("web.a.flycast is private to network 'a'");
    }
  }
}
