package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.TlsOptions;
import io.flycast.proxy.tls.CertificateSource;
import io.flycast.proxy.tls.ServerCertificate;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TLS termination with certificates from a {@link CertificateSource}. */
class TlsTerminationTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String NAME = "shop.example.com";

  private final AtomicReference<ServerCertificate> served = new AtomicReference<>();
  private final AtomicReference<String> askedSecret = new AtomicReference<>();
  private ProxyServer proxy;
  private final io.flycast.catalog.CatalogStore store = new io.flycast.catalog.CatalogStore();
  private EchoHttpBackend echo;

  @BeforeEach
  void setUp() throws Exception {
    served.set(TestCertificates.selfSigned(NAME));
    echo = new EchoHttpBackend("b1");
    CertificateSource certs =
        (route, secret) -> {
          askedSecret.set(route + ":" + secret);
          return route.equals(KEY) ? served.get() : null;
        };
    proxy =
        new ProxyServer(
                ProxyConfig.builder()
                    .httpAddress(null)
                    .httpsAddress(new InetSocketAddress("127.0.0.1", 0))
                    .dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))
                    .zone("test")
                    .workerThreads(2)
                    .build(),
                store,
                new ProxyMetrics(new PrometheusRegistry()),
                certs)
            .start();
  }

  @AfterEach
  void tearDown() {
    proxy.stop();
    echo.close();
  }

  private int route(Set<Handler> handlers, int targetPort) {
    int port = TestRoutes.freePort();
    PortSpec spec =
        new PortSpec(
            port,
            targetPort,
            handlers,
            false,
            new TlsOptions("web-tls", List.of("http/1.1"), List.of()),
            ProxyProtoVersion.V1,
            HttpOptions.DEFAULT);
    store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(NAME), List.of(spec)));
    store.putBackends(KEY, List.of(backend("b1", "test")));
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.dedicatedPorts().contains(port));
    return port;
  }

  private static SSLSocket tls(int port, String sni) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    SSLParameters params = s.getSSLParameters();
    params.setServerNames(List.of(new SNIHostName(sni)));
    s.setSSLParameters(params);
    s.startHandshake();
    return s;
  }

  private static String get(SSLSocket s, String host) throws Exception {
    s.getOutputStream()
        .write(
            ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void dedicatedTlsHttpPortTerminatesTlsAndTellsTheBackend() throws Exception {
    int port = route(Set.of(Handler.TLS, Handler.HTTP), echo.port());
    try (SSLSocket s = tls(port, NAME)) {
      X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
      assertThat(peer.getSubjectX500Principal().getName()).contains(NAME);
      String response = get(s, NAME);
      assertThat(response)
          .startsWith("HTTP/1.1 200")
          .contains("x-forwarded-proto: https\n")
          .contains("x-forwarded-ssl: on\n");
    }
    assertThat(askedSecret.get()).isEqualTo("shop/web:web-tls");
  }

  @Test
  void tlsOnlyPortRelaysPlaintextToTheBackend() throws Exception {
    try (TcpEchoServer tcp = new TcpEchoServer()) {
      int port = route(Set.of(Handler.TLS), tcp.port());
      try (SSLSocket s = tls(port, NAME)) {
        s.getOutputStream().write("plain to the backend\n".getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        assertThat(in.readLine()).isEqualTo("plain to the backend");
      }
    }
  }

  @Test
  void pgTlsAnswersTheSslRequestThenTerminatesTls() throws Exception {
    try (TcpEchoServer tcp = new TcpEchoServer()) {
      int port = route(Set.of(Handler.PG_TLS), tcp.port());
      try (java.net.Socket raw = new java.net.Socket("127.0.0.1", port)) {
        raw.setSoTimeout(10_000);
        // SSLRequest: int32 length 8, int32 code 80877103.
        raw.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
        assertThat(raw.getInputStream().read()).isEqualTo('S');
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        try (SSLSocket s =
            (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", port, true)) {
          s.startHandshake();
          s.getOutputStream().write("startup\n".getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
          BufferedReader in =
              new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
          assertThat(in.readLine()).isEqualTo("startup");
        }
      }
    }
  }

  @Test
  void pgTlsPassesAPlaintextStartupThrough() throws Exception {
    try (TcpEchoServer tcp = new TcpEchoServer()) {
      int port = route(Set.of(Handler.PG_TLS), tcp.port());
      try (java.net.Socket raw = new java.net.Socket("127.0.0.1", port)) {
        raw.setSoTimeout(10_000);
        byte[] startup = {0, 0, 0, 9, 0, 3, 0, 0, 0};
        raw.getOutputStream().write(startup);
        assertThat(raw.getInputStream().readNBytes(startup.length)).isEqualTo(startup);
      }
    }
  }

  @Test
  void missingCertificateRefusesTheHandshakeWithAnAlert() throws Exception {
    int port = route(Set.of(Handler.TLS, Handler.HTTP), echo.port());
    served.set(null);
    assertThatThrownBy(() -> tls(port, NAME).close())
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("unrecognized_name");
  }

  @Test
  void aChangedCertificateIsServedFromTheNextHandshake() throws Exception {
    int port = route(Set.of(Handler.TLS, Handler.HTTP), echo.port());
    ServerCertificate first = served.get();
    try (SSLSocket s = tls(port, NAME)) {
      assertThat(s.getSession().getPeerCertificates()[0]).isEqualTo(first.leaf());
    }
    ServerCertificate rotated = TestCertificates.selfSigned(NAME); // as a Secret update yields
    served.set(rotated);
    try (SSLSocket s = tls(port, NAME)) {
      assertThat(s.getSession().getPeerCertificates()[0])
          .isEqualTo(rotated.leaf())
          .isNotEqualTo(first.leaf());
      assertThat(get(s, NAME)).startsWith("HTTP/1.1 200");
    }
    // The proxy's contexts live on the certificate: the rotated one has its own.
    assertThat(rotated.contexts).isNotEmpty();
  }

  @Test
  void aRouteWithoutACertificateDoesNotAffectOthers() throws Exception {
    int port = route(Set.of(Handler.TLS, Handler.HTTP), echo.port());
    int https = proxy.httpsAddress().getPort();
    // Another route, same proxy, whose Secret is unusable (the source returns null for it).
    RouteKey other = new RouteKey("shop", "broken");
    int otherPort = TestRoutes.freePort();
    store.putSpec(
        TestRoutes.spec(
            other,
            "127.0.0.2",
            List.of("broken.example.com"),
            List.of(
                new PortSpec(
                    otherPort,
                    echo.port(),
                    Set.of(Handler.TLS, Handler.HTTP),
                    false,
                    new TlsOptions("broken-tls", List.of(), List.of()),
                    ProxyProtoVersion.V1,
                    HttpOptions.DEFAULT))));
    store.putBackends(other, List.of(backend("b1", "test")));
    assertThatThrownBy(() -> tls(https, "broken.example.com").close())
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("unrecognized_name");
    try (SSLSocket s = tls(port, NAME)) {
      assertThat(get(s, NAME)).startsWith("HTTP/1.1 200");
    }
    try (SSLSocket s = tls(https, NAME)) {
      assertThat(get(s, NAME)).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void sharedHttpsListenerPicksTheCertificateBySni() throws Exception {
    route(Set.of(Handler.TLS, Handler.HTTP), echo.port());
    int https = proxy.httpsAddress().getPort();
    try (SSLSocket s = tls(https, NAME)) {
      assertThat(get(s, NAME)).startsWith("HTTP/1.1 200").contains("x-forwarded-proto: https\n");
    }
    assertThatThrownBy(() -> tls(https, "unknown.example.com").close())
        .isInstanceOf(SSLHandshakeException.class);
  }
}
