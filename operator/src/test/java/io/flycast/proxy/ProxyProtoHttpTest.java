package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.tls.ServerCertificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A port with handlers {@code [proxy_proto, http]}: each backend connection starts with the PROXY
 * header of the one client connection it serves, and is never shared with another client.
 */
class ProxyProtoHttpTest {
  private static final RouteKey KEY = new RouteKey("shop", "pp");

  private ProxyFixture fx;
  private ScriptedBackend backend;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture();
    // Answers each request on a connection with the connection's first line (the PROXY header)
    // and the request's number on that connection.
    backend =
        new ScriptedBackend(
            "127.0.0.1",
            0,
            (s, head) -> {
              String proxyLine = head.substring(0, head.indexOf("\r\n"));
              String h = head;
              for (int n = 1; !h.isEmpty(); n++) {
                String body = proxyLine + " #" + n;
                ScriptedBackend.write(
                    s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                h = ScriptedBackend.readHead(s.getInputStream());
              }
            });
    port = TestRoutes.freePort();
    PortSpec spec =
        new PortSpec(
            port,
            backend.port(),
            Set.of(Handler.PROXY_PROTO, Handler.HTTP),
            false,
            null,
            ProxyProtoVersion.V1,
            HttpOptions.DEFAULT);
    fx.store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(), List.of(spec)));
    fx.store.putBackends(KEY, List.of(backend("b1", "test")));
    await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.dedicatedPorts().contains(port));
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
    backend.close();
  }

  private String proxyLine(RawHttp client) {
    return "PROXY TCP4 127.0.0.1 127.0.0.1 " + client.localPort() + " " + port;
  }

  @Test
  void eachClientConnectionGetsItsOwnBackendConnectionWithItsHeader() throws Exception {
    try (RawHttp a = new RawHttp(port);
        RawHttp b = new RawHttp(port)) {
      assertThat(a.get("x", "/").body()).isEqualTo(proxyLine(a) + " #1");
      assertThat(b.get("x", "/").body()).isEqualTo(proxyLine(b) + " #1");
      // Keep-alive: the client's later requests reuse its own backend connection.
      assertThat(a.get("x", "/again").body()).isEqualTo(proxyLine(a) + " #2");
      assertThat(b.get("x", "/again").body()).isEqualTo(proxyLine(b) + " #2");
    }
    assertThat(backend.accepted.get()).isEqualTo(2);
  }

  @Test
  void h2ClientStreamsShareTheirConnectionsBackendConnection() throws Exception {
    int tlsPort = TestRoutes.freePort();
    ServerCertificate cert = TestCertificates.selfSigned("pp.example.com");
    // Its own proxy and catalog: TLS needs a certificate source, which the fixture has not.
    var store = new io.flycast.catalog.CatalogStore();
    try (ProxyServer tls =
        new ProxyServer(
            ProxyConfig.builder()
                .httpAddress(null)
                .dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))
                .zone("test")
                .workerThreads(1)
                .build(),
            store,
            new ProxyMetrics(new io.prometheus.metrics.model.registry.PrometheusRegistry()),
            (r, s) -> cert)) {
      tls.start();
      PortSpec spec =
          new PortSpec(
              tlsPort,
              backend.port(),
              Set.of(Handler.TLS, Handler.PROXY_PROTO, Handler.HTTP),
              false,
              new io.flycast.catalog.TlsOptions("pp-tls", List.of(), List.of()),
              ProxyProtoVersion.V1,
              HttpOptions.DEFAULT);
      store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(), List.of(spec)));
      store.putBackends(KEY, List.of(backend("b1", "test")));
      await().atMost(Duration.ofSeconds(5)).until(() -> tls.dedicatedPorts().contains(tlsPort));
      try (NettyH2Client c = new NettyH2Client("pp.example.com", tlsPort)) {
        assertThat(c.protocol()).isEqualTo("h2");
        String first = c.get("x", "/1").body();
        assertThat(first)
            .startsWith("PROXY TCP4 127.0.0.1 127.0.0.1 ")
            .endsWith(" " + tlsPort + " #1");
        // A later stream of the same connection is the same client: same backend connection.
        assertThat(c.get("x", "/2").body()).isEqualTo(first.replace(" #1", " #2"));
      }
      assertThat(backend.accepted.get()).isEqualTo(1);
    }
  }

  @Test
  void aNewClientConnectionNeverGetsAnotherClientsBackendConnection() throws Exception {
    try (RawHttp a = new RawHttp(port)) {
      assertThat(a.get("x", "/").body()).isEqualTo(proxyLine(a) + " #1");
    }
    try (RawHttp c = new RawHttp(port)) {
      assertThat(c.get("x", "/").body()).isEqualTo(proxyLine(c) + " #1");
    }
    assertThat(backend.accepted.get()).isEqualTo(2);
  }
}
