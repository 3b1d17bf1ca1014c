package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static io.flycast.proxy.TestRoutes.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.network.Cidr;
import io.flycast.network.ClientNetworks;
import io.flycast.network.NetworkPolicy;
import io.flycast.proxy.tls.CertificateSource;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Network isolation through real sockets: clients bound to distinct loopback source addresses stand
 * for pods of different networks (127.0.0.21 in {@code a}, .22 in {@code b}, .23 unknown, .30
 * trusted).
 */
class NetworkIsolationTest {
  private static final String IN_A = "127.0.0.21";
  private static final String IN_B = "127.0.0.22";
  private static final String UNKNOWN = "127.0.0.23";
  private static final String TRUSTED = "127.0.0.30";
  private static final RouteKey WEB = new RouteKey("a", "web");
  private static final RouteKey PUB = new RouteKey("b", "pub");

  private final CatalogStore store = new CatalogStore();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ClientNetworks lookup =
      client ->
          Map.of(
                  ip(IN_A), Set.of("a"),
                  ip(IN_B), Set.of("b"))
              .getOrDefault(client, Set.of());
  private ProxyServer proxy;
  private TcpEchoServer tcpEcho;
  private EchoHttpBackend echo;
  private int tcpPort;
  private int httpPort;

  @BeforeEach
  void setUp() throws Exception {
    proxy =
        new ProxyServer(
            ProxyConfig.builder()
                .httpAddress(new InetSocketAddress(ip("127.0.0.1"), 0))
                .dedicatedBindAddress(ip("127.0.0.1"))
                .zone("test")
                .workerThreads(2)
                .shutdownGrace(Duration.ofSeconds(2))
                .build(),
            store,
            new ProxyMetrics(registry),
            CertificateSource.NONE,
            BackendStarter.NONE,
            new NetworkPolicy(lookup, Cidr.parseList(TRUSTED)));
    proxy.start();
    tcpEcho = new TcpEchoServer();
    echo = new EchoHttpBackend("good");
    tcpPort = TestRoutes.freePort();
    httpPort = TestRoutes.freePort();
    store.putSpec(
        spec(
            WEB,
            "127.0.0.1",
            true,
            "a",
            List.of(
                PortSpec.tcp(tcpPort, tcpEcho.port()),
                TestRoutes.httpPort(httpPort, echo.port()))));
    store.putBackends(WEB, List.of(backend("web-1", "test")));
    store.putSpec(
        spec(
            PUB,
            "127.0.0.2",
            false,
            "b",
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
    store.putBackends(PUB, List.of(backend("pub-1", "test")));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> proxy.dedicatedPorts().containsAll(Set.of(tcpPort, httpPort)));
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.stop();
    tcpEcho.close();
    echo.close();
  }

  @Test
  void rawTcpIsRelayedForTheRoutesNetworkAndTrustedSourcesOnly() throws Exception {
    assertThat(echoOnce(IN_A)).isEqualTo("ping");
    assertThat(echoOnce(TRUSTED)).isEqualTo("ping");
    assertThat(closedAtOnce(IN_B)).isTrue();
    assertThat(closedAtOnce(UNKNOWN)).isTrue();
    assertThat(refused(WEB, "other_network")).isEqualTo(1);
    assertThat(refused(WEB, "unknown_client")).isEqualTo(1);
    assertThat(tcpEcho.accepted.get()).as("refused clients never reach the backend").isEqualTo(2);
  }

  @Test
  void dedicatedHttpPortAnswers403OutsideTheNetwork() throws Exception {
    Reply ok = get(IN_A, httpPort, "whatever", "/");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("x-backend")).isEqualTo("good");

    Reply no = get(IN_B, httpPort, "whatever", "/");
    assertThat(no.status()).isEqualTo(403);
    assertThat(no.body()).contains("web.a.flycast is private to network 'a'").doesNotContain("'b'");
    assertThat(refused(WEB, "other_network")).isEqualTo(1);
    assertThat(echo.requests.get()).isEqualTo(1);
  }

  @Test
  void sharedListenerChecksEachRequestsRoute() throws Exception {
    int shared = proxy.httpAddress().getPort();
    assertThat(get(IN_A, shared, "web.a.flycast", "/").status()).isEqualTo(200);
    assertThat(get(IN_B, shared, "web.a.flycast", "/").status()).isEqualTo(403);
    assertThat(get(UNKNOWN, shared, "web.a.flycast", "/").status()).isEqualTo(403);
    assertThat(get(TRUSTED, shared, "web.a.flycast", "/").status()).isEqualTo(200);
    // Public routes take everyone, from any network or none.
    assertThat(get(IN_A, shared, "pub.b.flycast", "/").status()).isEqualTo(200);
    assertThat(get(UNKNOWN, shared, "pub.b.flycast", "/").status()).isEqualTo(200);
    assertThat(refused(WEB, "other_network")).isEqualTo(1);
    assertThat(refused(WEB, "unknown_client")).isEqualTo(1);
  }

  @Test
  void sharedListenerRefusesPerRequestOnOneKeepAliveConnection() throws Exception {
    try (Socket s = connect(IN_B, proxy.httpAddress().getPort())) {
      String both =
          """
          GET / HTTP/1.1\r
          Host: pub.b.flycast\r
          \r
          GET / HTTP/1.1\r
          Host: web.a.flycast\r
          \r
          """;
      s.getOutputStream().write(both.getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(all).startsWith("HTTP/1.1 200").contains("HTTP/1.1 403 Forbidden");
    }
  }

  @Test
  void flyReplayAppStaysInsideTheReplayingRoutesNetwork() throws Exception {
    RouteKey front = new RouteKey("a", "front");
    RouteKey inside = new RouteKey("a", "inside");
    RouteKey elsewhere = new RouteKey("a", "elsewhere");
    try (ScriptedBackend asker =
        new ScriptedBackend(
            "127.0.0.2",
            0,
            (s, head) ->
                ScriptedBackend.write(
                    s,
                    "HTTP/1.1 200 OK\r\nfly-replay: app="
                        + (head.startsWith("GET /in ") ? "inside" : "elsewhere")
                        + "\r\nContent-Length: 8\r\n\r\noriginal"))) {
      store.putSpec(
          spec(
              front,
              "127.0.0.3",
              true,
              "a",
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), asker.port()))));
      store.putBackends(front, List.of(backend("asker", "127.0.0.2", "test")));
      // Same namespace, so app= can name both; only one shares front's network.
      store.putSpec(
          spec(
              inside,
              "127.0.0.4",
              true,
              "a",
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
      store.putBackends(inside, List.of(backend("good", "test")));
      store.putSpec(
          spec(
              elsewhere,
              "127.0.0.5",
              true,
              "other",
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
      store.putBackends(elsewhere, List.of(backend("good", "test")));
      int shared = proxy.httpAddress().getPort();

      Reply replayed = get(IN_A, shared, "front.a.flycast", "/in");
      assertThat(replayed.header("x-backend")).isEqualTo("good");

      Reply kept = get(IN_A, shared, "front.a.flycast", "/out");
      assertThat(kept.status()).isEqualTo(200);
      assertThat(kept.body()).isEqualTo("original");
      assertThat(echo.requests.get()).as("only the allowed replay reached a backend").isEqualTo(1);
      assertThat(refused(front, "replay_other_network")).isEqualTo(1);
    }
  }

  private static RouteSpec spec(
      RouteKey key, String address, boolean isPrivate, String network, List<PortSpec> ports) {
    return RouteSpec.builder(key, ip(address))
        .ports(ports)
        .isPrivate(isPrivate)
        .network(network)
        .build();
  }

  /** A socket from {@code source} to the proxy on 127.0.0.1. */
  private static Socket connect(String source, int port) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(source, 0));
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(10_000);
    return s;
  }

  private String echoOnce(String source) throws IOException {
    try (Socket s = connect(source, tcpPort)) {
      s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII);
    }
  }

  /** Whether the proxy closed a fresh connection without a byte, though the client wrote one. */
  private boolean closedAtOnce(String source) throws IOException {
    try (Socket s = connect(source, tcpPort)) {
      try {
        s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        return s.getInputStream().read() == -1;
      } catch (SocketException reset) {
        return true;
      }
    }
  }

  /** A response with its lower-cased headers. */
  record Reply(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  /** One request with {@code Connection: close}, read to the end of the stream. */
  private static Reply get(String source, int port, String host, String path) throws IOException {
    try (Socket s = connect(source, port)) {
      String req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
      s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int end = all.indexOf("\r\n\r\n");
      String[] lines = all.substring(0, end).split("\r\n");
      Map<String, String> headers = new java.util.HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int c = lines[i].indexOf(':');
        headers.put(
            lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(c + 1).trim());
      }
      return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, all.substring(end + 4));
    }
  }

  private double refused(RouteKey route, String reason) {
    double sum = 0;
    for (var snapshot : registry.scrape()) {
      if (snapshot.getMetadata().getPrometheusName().equals("flycast_proxy_refused")) {
        for (var dp : snapshot.getDataPoints()) {
          if (route.toString().equals(dp.getLabels().get("route"))
              && reason.equals(dp.getLabels().get("reason"))
              && dp instanceof CounterDataPointSnapshot c) {
            sum += c.getValue();
          }
        }
      }
    }
    return sum;
  }
}
