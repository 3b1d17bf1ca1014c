package io.flycast.proxy.tls;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.TlsOptions;
import io.flycast.proxy.EchoHttpBackend;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.ProxyServer;
import io.flycast.proxy.TestCertificates;
import io.flycast.proxy.TestRoutes;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The TLS profile (Mozilla "intermediate") as a client sees it: the real {@code openssl s_client}
 * handshakes with the proxy, on each TLS provider available here. A refused suite is offered with
 * {@code @SECLEVEL=0}, so that it is the server, not OpenSSL's client defaults, that refuses it.
 */
class TlsProfileTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String NAME = "shop.example.com";

  private final CatalogStore store = new CatalogStore();
  private ProxyServer proxy;
  private EchoHttpBackend echo;
  private EventLoopGroup group;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.stop();
    }
    if (echo != null) {
      echo.close();
    }
    if (group != null) {
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  static Stream<TlsProvider> providers() {
    return OpenSsl.isAvailable()
        ? Stream.of(TlsProvider.JDK, TlsProvider.OPENSSL)
        : Stream.of(TlsProvider.JDK);
  }

  @ParameterizedTest
  @MethodSource("providers")
  void rsaCertificateTls12IsEcdheWithAeadOnly(TlsProvider provider) throws Exception {
    int port = start(provider, TestCertificates.selfSigned(NAME));
    // Static-RSA key exchange (no forward secrecy), with CBC and with GCM.
    assertThat(handshake(port, "-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0")).isNull();
    assertThat(handshake(port, "-tls1_2", "-cipher", "AES128-GCM-SHA256:@SECLEVEL=0")).isNull();
    // ECDHE with CBC and HMAC-SHA1 (LUCKY13).
    assertThat(handshake(port, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0")).isNull();
    assertThat(handshake(port, "-tls1_2", "-cipher", "ECDHE-RSA-AES256-SHA:@SECLEVEL=0")).isNull();
    assertThat(handshake(port, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"))
        .isEqualTo("ECDHE-RSA-AES128-GCM-SHA256");
    assertThat(handshake(port, "-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"))
        .isEqualTo("ECDHE-RSA-AES256-GCM-SHA384");
    assertThat(handshake(port, "-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"))
        .isEqualTo("ECDHE-RSA-CHACHA20-POLY1305");
  }

  @ParameterizedTest
  @MethodSource("providers")
  void ecdsaCertificateTls12IsEcdheWithAeadOnly(TlsProvider provider) throws Exception {
    int port = start(provider, ecdsaCertificate());
    assertThat(handshake(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"))
        .isNull();
    assertThat(handshake(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"))
        .isEqualTo("ECDHE-ECDSA-AES128-GCM-SHA256");
    assertThat(handshake(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"))
        .isEqualTo("ECDHE-ECDSA-CHACHA20-POLY1305");
  }

  @ParameterizedTest
  @MethodSource("providers")
  void tls13IsServedAndTls11IsNot(TlsProvider provider) throws Exception {
    int port = start(provider, TestCertificates.selfSigned(NAME));
    assertThat(handshake(port, "-tls1_3")).startsWith("TLS_");
    assertThat(handshake(port, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")).isNull();
  }

  /** A port's {@code tls.versions} narrows the profile: TLSv1.3 alone refuses TLS 1.2 clients. */
  @ParameterizedTest
  @MethodSource("providers")
  void aPortCanAllowTls13Only(TlsProvider provider) throws Exception {
    PortSpec tls13 =
        new PortSpec(
            443,
            8080,
            Set.of(Handler.TLS),
            false,
            new TlsOptions("s", List.of(), List.of("TLSv1.3")),
            ProxyProtoVersion.V1,
            HttpOptions.DEFAULT);
    SslContext ctx =
        TlsContexts.context(
            TestCertificates.selfSigned(NAME),
            List.of(),
            TlsContexts.protocols(tls13),
            TlsContexts.provider(provider));
    int port = serve(ctx);
    assertThat(handshake(port, "-tls1_3")).startsWith("TLS_");
    assertThat(handshake(port, "-tls1_2")).isNull();
  }

  @ParameterizedTest
  @MethodSource("providers")
  void aRouteAskingForTls13OnlyRefusesTls12ThroughTheProxy(TlsProvider provider) throws Exception {
    int port = start(provider, TestCertificates.selfSigned(NAME), List.of("TLSv1.3"));
    assertThat(handshake(port, "-tls1_3")).startsWith("TLS_");
    assertThat(handshake(port, "-tls1_2")).isNull();
  }

  /**
   * A TLS 1.2 client may not make the server renegotiate: each renegotiation is a full handshake
   * the server pays for. BoringSSL refuses by itself; the JDK's TLS only when told to.
   */
  @ParameterizedTest
  @MethodSource("providers")
  void aClientCannotRenegotiate(TlsProvider provider) throws Exception {
    int port = start(provider, TestCertificates.selfSigned(NAME));
    javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLSv1.2");
    tls.init(
        null,
        new javax.net.ssl.TrustManager[] {
          new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          }
        },
        null);
    try (javax.net.ssl.SSLSocket s =
        (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      s.startHandshake();
      byte[] request =
          ("GET / HTTP/1.1\r\nHost: " + NAME + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      s.startHandshake(); // on an established TLS 1.2 connection: a renegotiation
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
                if (s.getInputStream().read() == -1) {
                  throw new java.io.EOFException("closed");
                }
              })
          .as("the renegotiation is refused and the connection ends")
          .isInstanceOf(java.io.IOException.class);
    }
  }

  private int start(TlsProvider provider, ServerCertificate cert) throws Exception {
    return start(provider, cert, List.of());
  }

  private int start(TlsProvider provider, ServerCertificate cert, List<String> versions)
      throws Exception {
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
                    new TlsOptions("web-tls", List.of(), versions),
                    ProxyProtoVersion.V1,
                    HttpOptions.DEFAULT))));
    store.putBackends(KEY, List.of(backend("b1", "test")));
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.dedicatedPorts().contains(port));
    return port;
  }

  /** A bare TLS server with {@code ctx} on loopback; returns its port. */
  private int serve(SslContext ctx) {
    group = new NioEventLoopGroup(1);
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(ctx.newHandler(ch.alloc()));
                  }
                })
            .bind("127.0.0.1", 0)
            .syncUninterruptibly()
            .channel();
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  private static ServerCertificate ecdsaCertificate() throws Exception {
    SelfSignedCertificate ec = new SelfSignedCertificate(NAME, "EC", 256);
    try {
      return ServerCertificate.fromPem(
          Files.readAllBytes(ec.certificate().toPath()),
          Files.readAllBytes(ec.privateKey().toPath()));
    } finally {
      ec.delete();
    }
  }

  /**
   * Runs {@code openssl s_client} against 127.0.0.1:{@code port} with SNI {@value #NAME}: the
   * negotiated cipher suite, or null when the handshake failed.
   */
  private static String handshake(int port, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "openssl",
                "s_client",
                "-brief",
                "-connect",
                "127.0.0.1:" + port,
                "-servername",
                NAME));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("openssl s_client did not finish: %s", cmd);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      assertThat(out)
          .as("a refused handshake, not a failed connect")
          .doesNotContain("connect:errno");
      return null;
    }
    return out.lines()
        .filter(l -> l.startsWith("Ciphersuite: "))
        .map(l -> l.substring("Ciphersuite: ".length()).strip())
        .findFirst()
        .orElseGet(() -> fail("no cipher suite in openssl s_client output:%n%s", out));
  }
}
