package io.flycast.proxy.pipeline;

import static io.flycast.proxy.TestRoutes.backend;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.H2TestClient;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.ProxyServer;
import io.flycast.proxy.RawH2;
import io.flycast.proxy.ScriptedBackend;
import io.flycast.proxy.TestCertificates;
import io.flycast.proxy.TestRoutes;
import io.flycast.proxy.tls.ServerCertificate;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 from a hostile client, frame by frame ({@link RawH2}): request injection through
 * pseudo-headers and values, streams beyond the limit before SETTINGS is acknowledged, streams the
 * server is made to reset, CONTINUATION floods, and a silent TLS client. After each attack, another
 * client is still served.
 */
class Http2EdgeTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "shop.example.com";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final CatalogStore store = new CatalogStore();
  private final PrometheusRegistry registry = new PrometheusRegistry();

  /** Everything the backend received, one entry per request head. */
  private final List<String> received = new CopyOnWriteArrayList<>();

  private ProxyServer proxy;
  private ScriptedBackend backendServer;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    ServerCertificate cert = TestCertificates.selfSigned(HOST);
    backendServer =
        new ScriptedBackend(
            "127.0.0.1",
            0,
            (socket, head) -> {
              InputStream in = socket.getInputStream();
              while (!head.isEmpty()) {
                received.add(head);
                ScriptedBackend.write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                head = ScriptedBackend.readHead(in);
              }
            });
    proxy =
        new ProxyServer(
                H2TestClient.dedicatedProxyConfig()
                    .headerReadTimeout(Duration.ofMillis(500))
                    .build(),
                store,
                new ProxyMetrics(registry),
                (route, secret) -> cert)
            .start();
    port = TestRoutes.freePort();
    store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(HOST),
            List.of(H2TestClient.tlsHttpPort(port, backendServer.port()))));
    store.putBackends(KEY, List.of(backend("b1", "test")));
    H2TestClient.awaitListening(proxy, port, WAIT);
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.stop();
    backendServer.close();
  }

  /** A well-behaved request on a new connection gets its 200: the proxy still serves everyone. */
  private void othersStillServed() throws Exception {
    try (RawH2 h2 = new RawH2(port, HOST, true)) {
      h2.get(1, HOST, "/still-ok").flush();
      RawH2.Frame resp = h2.await(f -> f.type() == RawH2.HEADERS && f.stream() == 1, WAIT);
      assertThat(resp).as("a normal request after the attack").isNotNull();
      assertThat(resp.status()).isEqualTo(200);
    }
  }

  @Test
  void aPathWithCrLfCannotWriteASecondRequestToTheBackend() throws Exception {
    try (RawH2 h2 = new RawH2(port, HOST, true)) {
      h2.headers(
              1,
              true,
              ":method",
              "GET",
              ":scheme",
              "https",
              ":authority",
              HOST,
              ":path",
              "/a HTTP/1.1\r\nHost: web.shop.flycast\r\nFly-Client-IP: 10.6.6.6\r\n\r\nGET /x")
          .flush();
      RawH2.Frame reset =
          h2.await(
              f -> f.stream() == 1 && (f.type() == RawH2.RST_STREAM || f.type() == RawH2.HEADERS),
              WAIT);
      assertThat(reset).isNotNull();
      assertThat(reset.type()).as("the stream is reset, not answered").isEqualTo(RawH2.RST_STREAM);
      assertThat(reset.code()).isEqualTo(RawH2.PROTOCOL_ERROR);
      // The same connection goes on serving.
      h2.get(3, HOST, "/after").flush();
      RawH2.Frame ok = h2.await(f -> f.stream() == 3 && f.type() == RawH2.HEADERS, WAIT);
      assertThat(ok).isNotNull();
      assertThat(ok.status()).isEqualTo(200);
    }
    assertThat(received).hasSize(1);
    assertThat(received.get(0)).startsWith("GET /after HTTP/1.1\r\n").doesNotContain("10.6.6.6");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "path-nul", "path-space", "path-tab", "path-relative", "path-empty", "method-space",
            "method-crlf",
        "authority-crlf", "authority-userinfo", "value-lf", "value-cr", "value-nul", "host-differs",
            "scheme-bad",
        "trailer-crlf"
      })
  void aMalformedRequestIsResetWithProtocolError(String which) throws Exception {
    String method = "GET";
    String path = "/ok";
    String authority = HOST;
    String scheme = "https";
    String[] extra = {"x-test", "fine"};
    switch (which) {
      case "path-nul" -> path = "/a\0b";
      case "path-space" -> path = "/a b";
      case "path-tab" -> path = "/a\tb";
      case "path-relative" -> path = "a/b";
      case "path-empty" -> path = "";
      case "method-space" -> method = "GET /x";
      case "method-crlf" -> method = "GET\r\nX: y";
      case "authority-crlf" -> authority = HOST + "\r\nX-Forged: 1";
      case "authority-userinfo" -> authority = "user@" + HOST;
      case "value-lf" -> extra = new String[] {"x-test", "a\nfly-client-ip: 10.6.6.6"};
      case "value-cr" -> extra = new String[] {"x-test", "a\rb"};
      case "value-nul" -> extra = new String[] {"x-test", "a\0b"};
      case "host-differs" -> extra = new String[] {"host", "other.example.com"};
      case "scheme-bad" -> scheme = "gopher";
      case "trailer-crlf" -> {}
      default -> throw new IllegalArgumentException(which);
    }
    try (RawH2 h2 = new RawH2(port, HOST, true)) {
      if (which.equals("trailer-crlf")) {
        h2.headers(
            1, false, ":method", "POST", ":scheme", "https", ":authority", HOST, ":path", "/t");
        h2.frame(RawH2.DATA, 0, 1, "body".getBytes(UTF_8));
        h2.headers(1, true, "x-trailer", "a\r\nfly-client-ip: 10.6.6.6");
      } else {
        h2.headers(
            1,
            true,
            ":method",
            method,
            ":scheme",
            scheme,
            ":authority",
            authority,
            ":path",
            path,
            extra[0],
            extra[1]);
      }
      h2.flush();
      RawH2.Frame f =
          h2.await(
              x -> x.stream() == 1 && (x.type() == RawH2.RST_STREAM || x.type() == RawH2.HEADERS),
              WAIT);
      assertThat(f).as("an answer on stream 1").isNotNull();
      assertThat(f.type()).as("reset, not answered").isEqualTo(RawH2.RST_STREAM);
      assertThat(f.code()).isEqualTo(RawH2.PROTOCOL_ERROR);
    }
    assertThat(received).as("nothing reached the backend").isEmpty();
    othersStillServed();
  }

  @Test
  void streamLimitHoldsBeforeTheClientAcknowledgesSettings() throws Exception {
    int streams = 300;
    try (RawH2 h2 = new RawH2(port, HOST, false)) {
      for (int i = 0; i < streams; i++) {
        // A POST whose body never comes: each stream stays open.
        h2.headers(
            1 + 2 * i,
            false,
            ":method",
            "POST",
            ":scheme",
            "https",
            ":authority",
            HOST,
            ":path",
            "/slow",
            "content-length",
            "10");
      }
      h2.flush();
      RawH2.Frame firstRefused =
          h2.await(f -> f.type() == RawH2.RST_STREAM && f.code() == RawH2.REFUSED_STREAM, WAIT);
      assertThat(firstRefused).as("streams beyond the limit are refused").isNotNull();
      assertThat(firstRefused.stream())
          .as("the 129th stream is the first refused")
          .isEqualTo(1 + 2 * Http2ServerPipeline.MAX_CONCURRENT_STREAMS);
    }
    othersStillServed();
  }

  @ParameterizedTest(name = "then {0}")
  @ValueSource(strings = {"WINDOW_UPDATE 0", "DATA"})
  void streamsTheServerIsMadeToResetEndTheConnection(String trigger) throws Exception {
    int streams = 500;
    try (RawH2 h2 = new RawH2(port, HOST, true)) {
      try {
        for (int i = 0; i < streams && !h2.closedByServer(); i++) {
          int id = 1 + 2 * i;
          h2.get(id, HOST, "/r");
          // A stream error after END_STREAM: the server resets the stream ("MadeYouReset").
          if (trigger.equals("DATA")) {
            h2.frame(RawH2.DATA, 0, id, new byte[] {1});
          } else {
            h2.frame(RawH2.WINDOW_UPDATE, 0, id, RawH2.int32(0));
          }
          h2.flush();
        }
      } catch (java.io.IOException closedWhileWriting) {
        // the server closed after its GOAWAY while the attack was still being written
      }
      assertGoneAway(h2, "h2_reset_flood");
    }
    assertThat(backendServer.accepted.get())
        .as("backend connections opened for reset streams")
        .isLessThanOrEqualTo(Http2ResetBudget.MAX_RESETS + 10);
    othersStillServed();
  }

  @Test
  void emptyContinuationFramesAreCapped() throws Exception {
    try (RawH2 h2 = new RawH2(port, HOST, true)) {
      try {
        byte[] block =
            RawH2.block(":method", "GET", ":scheme", "https", ":authority", HOST, ":path", "/c");
        h2.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, block); // no END_HEADERS: CONTINUATION follows
        for (int i = 0; i < 200; i++) {
          h2.frame(RawH2.CONTINUATION, 0, 1, new byte[0]);
        }
        h2.flush();
      } catch (java.io.IOException closedWhileWriting) {
        // the server closed after its GOAWAY while the attack was still being written
      }
      assertGoneAway(h2, "h2_continuation_flood");
    }
    assertThat(received).isEmpty();
    othersStillServed();
  }

  /**
   * The proxy ended the connection for {@code reason}: GOAWAY with ENHANCE_YOUR_CALM, unless the
   * client's own frames still in flight made the close a TCP reset that discarded it.
   */
  private void assertGoneAway(RawH2 h2, String reason) {
    await()
        .atMost(WAIT)
        .until(
            () -> h2.closedByServer() || h2.seen.stream().anyMatch(f -> f.type() == RawH2.GOAWAY));
    h2.seen.stream()
        .filter(f -> f.type() == RawH2.GOAWAY)
        .findFirst()
        .ifPresent(f -> assertThat(f.code()).isEqualTo(RawH2.ENHANCE_YOUR_CALM));
    assertThat(counter("flycast_proxy_protocol_violations_total", reason)).isEqualTo(1.0);
  }

  private double counter(String name, String reason) {
    return registry.scrape().stream()
        .filter(m -> m.getMetadata().getPrometheusName().equals(name.replace("_total", "")))
        .flatMap(m -> m.getDataPoints().stream())
        .filter(dp -> reason.equals(dp.getLabels().get("reason")))
        .mapToDouble(
            dp ->
                ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot)
                        dp)
                    .getValue())
        .sum();
  }

  @Test
  void aClientThatNeverSendsAClientHelloIsClosed() throws Exception {
    try (Socket silent = new Socket()) {
      silent.connect(new InetSocketAddress("127.0.0.1", port));
      silent.setSoTimeout(10_000);
      long start = System.nanoTime();
      assertThat(silent.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
    othersStillServed();
  }
}
