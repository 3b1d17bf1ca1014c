package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.TlsOptions;
import io.flycast.proxy.tls.ServerCertificate;
import io.flycast.proxy.tls.TlsProvider;
import io.netty.channel.Channel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which TLS implementation terminates the proxy's TLS: OpenSSL when it loads ({@code auto}, the
 * default), the JDK's when forced; HTTP/2 by ALPN and pg_tls work on both.
 */
class TlsProviderTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String NAME = "shop.example.com";

  private final CatalogStore store = new CatalogStore();
  private ProxyServer proxy;
  private EchoHttpBackend echo;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.stop();
    }
    if (echo != null) {
      echo.close();
    }
  }

  private int start(TlsProvider provider) throws Exception {
    return start(provider, TestCertificates.selfSigned(NAME));
  }

  private int start(TlsProvider provider, ServerCertificate cert) throws Exception {
    echo = new EchoHttpBackend("b1");
    proxy =
        new ProxyServer(
                ProxyConfig.builder()
                    .httpAddress(null)
                    .httpsAddress(new InetSocketAddress("127.0.0.1", 0))
                    .dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))
                    .zone("test")
                    .workerThreads(2)
                    .tlsProvider(provider)
                    .build(),
                store,
                new ProxyMetrics(new PrometheusRegistry()),
                (route, secret) -> route.equals(KEY) ? cert : null)
            .start();
    int port = TestRoutes.freePort();
    store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(NAME),
            List.of(
                new PortSpec(
                    port,
                    echo.port(),
                    Set.of(Handler.TLS, Handler.HTTP),
                    false,
                    new TlsOptions("web-tls", List.of(), List.of()),
                    ProxyProtoVersion.V1,
                    HttpOptions.DEFAULT))));
    store.putBackends(KEY, List.of(backend("b1", "test")));
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.dedicatedPorts().contains(port));
    return port;
  }

  /** The engine of the one TLS client connection the proxy has open. */
  private SSLEngine serverEngine() {
    List<Channel> tls =
        proxy.clientChannels().stream()
            .filter(ch -> ch.pipeline().get(SslHandler.class) != null)
            .toList();
    assertThat(tls).hasSize(1);
    return tls.get(0).pipeline().get(SslHandler.class).engine();
  }

  @Test
  void autoTerminatesWithOpenSslAndNegotiatesH2() throws Exception {
    assumeTrue(OpenSsl.isAvailable(), "OpenSSL not available here");
    int port = start(TlsProvider.AUTO);
    for (int p : new int[] {port, proxy.httpsAddress().getPort()}) { // dedicated, then shared (SNI)
      try (NettyH2Client c = new NettyH2Client(NAME, p)) {
        assertThat(c.protocol()).isEqualTo("h2");
        assertThat(c.get(NAME, "/").status()).isEqualTo(200);
        assertThat(serverEngine()).isInstanceOf(ReferenceCountedOpenSslEngine.class);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> proxy.clientChannels().isEmpty());
    }
  }

  @Test
  void jdkCanBeForced() throws Exception {
    int port = start(TlsProvider.JDK);
    try (NettyH2Client c = new NettyH2Client(NAME, port)) {
      assertThat(c.protocol()).isEqualTo("h2");
      assertThat(c.get(NAME, "/").status()).isEqualTo(200);
      assertThat(serverEngine()).isNotInstanceOf(ReferenceCountedOpenSslEngine.class);
    }
  }

  @Test
  void ecdsaCertificatesFromPemServeOnEitherProvider() throws Exception {
    SelfSignedCertificate ec = new SelfSignedCertificate(NAME, "EC", 256);
    // As SecretCertificates reads a Secret: PEM through BouncyCastle.
    ServerCertificate cert =
        ServerCertificate.fromPem(
            Files.readAllBytes(ec.certificate().toPath()),
            Files.readAllBytes(ec.privateKey().toPath()));
    for (TlsProvider provider :
        OpenSsl.isAvailable()
            ? List.of(TlsProvider.JDK, TlsProvider.OPENSSL)
            : List.of(TlsProvider.JDK)) {
      int port = start(provider, cert);
      try (NettyH2Client c = new NettyH2Client(NAME, port)) {
        assertThat(c.get(NAME, "/").status()).as("%s", provider).isEqualTo(200);
      }
      tearDown();
    }
    proxy = null;
    echo = null;
  }

  @Test
  void openSslWhenItDoesNotLoadRefusesToStart() {
    assumeTrue(!OpenSsl.isAvailable(), "OpenSSL loads here");
    assertThatThrownBy(() -> start(TlsProvider.OPENSSL))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("OpenSSL did not load");
  }
}
