package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.embedded.echo.EchoBackend;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** WebSocket upgrades, dedicated HTTP ports, redirects, and retries after a backend hangs up. */
class HttpUpgradeAndRetryTest {
  private static final RouteKey KEY = new RouteKey("chat", "ws");
  private static final String HOST = "ws.chat.flycast";

  private ProxyFixture fx;

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture();
  }

  @AfterEach
  void tearDown() {
    fx.close();
  }

  private int route(PortSpec port, io.flycast.catalog.Backend... backends) {
    fx.store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(), List.of(port)));
    fx.store.putBackends(KEY, List.of(backends));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> fx.proxy.dedicatedPorts().contains(port.port()));
    return port.port();
  }

  @Test
  void webSocketUpgradeBecomesARawRelayAfter101() throws Exception {
    try (ScriptedBackend ws =
        new ScriptedBackend(
            "127.0.0.1",
            0,
            (s, head) -> {
              ScriptedBackend.write(
                  s,
                  """
                  HTTP/1.1 101 Switching Protocols\r
                  Upgrade: websocket\r
                  Connection: Upgrade\r
                  \r
                  """);
              s.getInputStream()
                  .transferTo(s.getOutputStream()); // then echo frames as opaque bytes
            })) {
      route(TestRoutes.httpPort(TestRoutes.freePort(), ws.port()), backend("b1", "test"));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        c.send(
            "GET /socket HTTP/1.1\r\nHost: "
                + HOST
                + "\r\n"
                + "Connection: Upgrade\r\n"
                + "Upgrade: websocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n");
        RawHttp.Response r = c.readHead();
        assertThat(r.status()).isEqualTo(101);
        assertThat(r.header("upgrade")).isEqualTo("websocket");
        assertThat(r.header("fly-request-id")).isNotBlank();
        byte[] frame = {(byte) 0x81, 0x05, 'h', 'e', 'l', 'l', 'o'};
        c.out().write(frame);
        c.out().flush();
        assertThat(c.in().readNBytes(frame.length)).isEqualTo(frame);
      }
      String head = ws.heads.get(0).toLowerCase(Locale.ROOT);
      assertThat(head)
          .contains("connection: upgrade")
          .contains("upgrade: websocket")
          .contains("sec-websocket-key");
    }
  }

  /**
   * A real WebSocket (its 101 carries Sec-WebSocket-Accept, so the backend codec hands over an
   * empty last content with the head) stays open, and keeps its backend's lease, until it closes.
   */
  @Test
  void anOpenWebSocketKeepsItsBackendLoadedUntilItCloses() throws Exception {
    EchoBackend echo = EchoBackend.start(new java.net.InetSocketAddress("127.0.0.1", 0), "b1");
    try {
      route(
          TestRoutes.httpPort(TestRoutes.freePort(), echo.address().getPort()),
          backend("b1", "test"));
      var inbox = new java.util.concurrent.LinkedBlockingQueue<String>();
      try (var http = java.net.http.HttpClient.newHttpClient()) {
        // Through the shared listener, routed by Host, like a client of <app>.<ns>.flycast.
        java.net.http.WebSocket ws =
            http.newWebSocketBuilder()
                .header("Host", HOST)
                .buildAsync(
                    java.net.URI.create("ws://127.0.0.1:" + fx.httpPort() + "/ws"),
                    new java.net.http.WebSocket.Listener() {
                      @Override
                      public java.util.concurrent.CompletionStage<?> onText(
                          java.net.http.WebSocket w, CharSequence data, boolean last) {
                        inbox.add(data.toString());
                        w.request(1);
                        return null;
                      }
                    })
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        ws.sendText("hello", true).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(inbox.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("hello");
        assertThat(fx.proxy.balancer().tracker().load(KEY, "b1"))
            .as("held while the WebSocket is open")
            .isEqualTo(1);
        ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye")
            .get(10, java.util.concurrent.TimeUnit.SECONDS);
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(
                () -> assertThat(fx.proxy.balancer().tracker().load(KEY, "b1")).isZero());
      }
    } finally {
      echo.stop(0);
    }
  }

  @Test
  void dedicatedHttpPortRoutesByLocalAddressWhateverTheHost() throws Exception {
    try (EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      int port =
          route(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()), backend("b1", "test"));
      try (RawHttp c = new RawHttp(port)) {
        RawHttp.Response r = c.get("anything.example", "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body())
            .contains("x-forwarded-port: " + port + "\n")
            .contains("fly-client-ip: 127.0.0.1\n");
      }
    }
  }

  @Test
  void forceHttpsRedirectsPlainHttp() throws Exception {
    PortSpec spec =
        new PortSpec(
            TestRoutes.freePort(),
            9,
            Set.of(Handler.HTTP),
            true,
            null,
            ProxyProtoVersion.V1,
            HttpOptions.DEFAULT);
    int port = route(spec, backend("b1", "test"));
    try (RawHttp c = new RawHttp(port)) {
      RawHttp.Response r = c.get("shop.example.com:" + port, "/cart?id=1");
      assertThat(r.status()).isEqualTo(301);
      assertThat(r.header("location")).isEqualTo("https://shop.example.com/cart?id=1");
    }
  }

  @Test
  void responseHeadersFromTheRouteAreAdded() throws Exception {
    try (EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      PortSpec spec =
          new PortSpec(
              TestRoutes.freePort(),
              echo.port(),
              Set.of(Handler.HTTP),
              false,
              null,
              ProxyProtoVersion.V1,
              new HttpOptions(false, Duration.ofSeconds(60), Map.of("X-Frame-Options", "DENY")));
      int port = route(spec, backend("b1", "test"));
      try (RawHttp c = new RawHttp(port)) {
        assertThat(c.get("x", "/").header("x-frame-options")).isEqualTo("DENY");
      }
    }
  }

  /** A backend that reads the request and hangs up without answering. */
  private static ScriptedBackend hangUp(int port) throws Exception {
    return new ScriptedBackend("127.0.0.2", port, (s, head) -> {});
  }

  @Test
  void idempotentRequestIsRetriedOnAnotherBackendWhenTheFirstHangsUp() throws Exception {
    try (EchoHttpBackend echo = new EchoHttpBackend("b1");
        ScriptedBackend rude = hangUp(echo.port())) {
      // The rude backend is local, so it is always tried first; the good one is in another zone.
      route(
          TestRoutes.httpPort(TestRoutes.freePort(), echo.port()),
          backend("rude", "127.0.0.2", "test"),
          backend("good", "127.0.0.1", "far"));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        assertThat(c.get(HOST, "/").status()).isEqualTo(200);
      }
      assertThat(rude.heads).hasSize(1);
      assertThat(echo.requests.get()).isEqualTo(1);
    }
  }

  @Test
  void nonIdempotentRequestIsNotRetriedAndGets502() throws Exception {
    try (EchoHttpBackend echo = new EchoHttpBackend("b1");
        ScriptedBackend rude = hangUp(echo.port())) {
      route(
          TestRoutes.httpPort(TestRoutes.freePort(), echo.port()),
          backend("rude", "127.0.0.2", "test"),
          backend("good", "127.0.0.1", "far"));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        c.send("POST /pay HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 3\r\n\r\nabc");
        RawHttp.Response r = c.read();
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).contains("closed the connection before responding");
      }
      assertThat(echo.requests.get()).as("a payment must not be sent twice").isZero();
    }
  }

  @Test
  void backendConnectionThatSaidCloseIsNotReused() throws Exception {
    try (ScriptedBackend closing =
        new ScriptedBackend(
            "127.0.0.1",
            0,
            (s, head) -> {
              ScriptedBackend.write(
                  s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
              s.getInputStream().read(); // lazy: hangs up only when the proxy sends more, or closes
            })) {
      route(TestRoutes.httpPort(TestRoutes.freePort(), closing.port()), backend("b1", "test"));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        assertThat(c.get(HOST, "/").body()).isEqualTo("ok");
        c.send("POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 1\r\n\r\nx");
        assertThat(c.read().status())
            .as("sent on a fresh connection, not the closing one")
            .isEqualTo(200);
      }
      assertThat(closing.heads).hasSize(2);
    }
  }

  @Test
  void closeDelimitedResponseIsReframedAsChunked() throws Exception {
    try (ScriptedBackend old =
        new ScriptedBackend(
            "127.0.0.1",
            0,
            (s, head) -> {
              ScriptedBackend.write(
                  s, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold school");
            })) {
      route(TestRoutes.httpPort(TestRoutes.freePort(), old.port()), backend("b1", "test"));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
        assertThat(r.body()).isEqualTo("old school");
        assertThat(c.get(HOST, "/").body()).as("client connection kept").isEqualTo("old school");
      }
    }
  }

  @Test
  void stopLetsInFlightStreamsFinishAndRefusesNewConnections() throws Exception {
    try (EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      route(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()), backend("b1", "test"));
      int httpPort = fx.httpPort();
      try (RawHttp c = new RawHttp(httpPort)) {
        c.send("GET /stream HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(c.readHead().status()).isEqualTo(200);
        Thread stopper = Thread.ofVirtual().start(fx.proxy::stop);
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(() -> assertThat(canConnect(httpPort)).isFalse());
        echo.releaseStream();
        InputStream in = c.in();
        String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        assertThat(rest).contains("data: first").contains("data: second").endsWith("0\r\n\r\n");
        stopper.join(Duration.ofSeconds(5));
      }
    }
  }

  private static boolean canConnect(int port) {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
