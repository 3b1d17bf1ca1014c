package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared HTTP listener: Host routing, Fly headers, errors, keep-alive, request hygiene. */
class HttpProxyTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";

  private ProxyFixture fx;
  private EchoHttpBackend echo;

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture();
    echo = new EchoHttpBackend("b1");
  }

  @AfterEach
  void tearDown() {
    fx.close();
    echo.close();
  }

  private void route(Backend... backends) {
    fx.store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of("shop.example.com"),
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
    fx.store.putBackends(KEY, List.of(backends));
  }

  private RawHttp client() throws IOException {
    return new RawHttp(fx.httpPort());
  }

  @Test
  void routesByHostAndAddsFlyHeadersTheClientCannotSpoof() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      RawHttp.Response r =
          c.get(
              HOST,
              "/hello",
              "Fly-Client-IP: 6.6.6.6",
              "X-Forwarded-For: 1.2.3.4",
              "Via: 1.0 corp-proxy",
              "Connection: keep-alive, X-Secret",
              "X-Secret: hop",
              "Proxy-Authorization: Basic Zm9vOmJhcg==");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body())
          .contains("fly-client-ip: 127.0.0.1\n")
          .doesNotContain("6.6.6.6")
          .contains("x-forwarded-for: 1.2.3.4, 127.0.0.1\n")
          .contains("x-forwarded-proto: http\n")
          .contains("x-forwarded-ssl: off\n")
          .contains("x-forwarded-port: " + fx.httpPort() + "\n")
          .contains("fly-forwarded-port: " + fx.httpPort() + "\n")
          .contains("fly-region: test\n")
          .contains("via: 1.0 corp-proxy, 1.1 flycast\n")
          .contains("host: " + HOST + "\n")
          .doesNotContain("x-secret")
          .doesNotContain("proxy-authorization");
      String requestId = r.header("fly-request-id");
      assertThat(requestId).isNotBlank().endsWith("-test");
      assertThat(r.body()).contains("fly-request-id: " + requestId + "\n");
      assertThat(r.header("via")).isEqualTo("1.1 flycast");
      assertThat(r.header("x-backend")).isEqualTo("b1");
      assertThat(r.header("x-hop")).as("named in the backend's Connection header").isNull();
    }
    assertThat(fx.counter("flycast_proxy_http_requests", "route", "shop/web", "status", "200"))
        .isEqualTo(1.0);
  }

  @Test
  void routesByExtraHostnameCaseInsensitivelyWithPort() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      assertThat(c.get("Shop.Example.COM:8080", "/").status()).isEqualTo(200);
    }
  }

  @Test
  void unknownHostGets404SayingSo() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      RawHttp.Response r = c.get("nope.shop.flycast", "/");
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.body()).contains("no service is named 'nope.shop.flycast'");
      // The connection stays usable.
      assertThat(c.get(HOST, "/").status()).isEqualTo(200);
    }
    assertThat(echo.requests.get()).isEqualTo(1);
  }

  @Test
  void noBackendsGets503WithRetryAfterAndReason() throws Exception {
    route();
    try (RawHttp c = client()) {
      RawHttp.Response r = c.get(HOST, "/");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("retry-after")).isEqualTo("1");
      assertThat(r.body()).contains("no backend of web.shop.flycast is ready");
    }
    assertThat(
            fx.counter("flycast_proxy_unavailable", "route", "shop/web", "reason", "no_backends"))
        .isEqualTo(1.0);
  }

  @Test
  void keepAliveServesManyRequestsOnOneClientConnection() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      for (int i = 0; i < 5; i++) {
        assertThat(c.get(HOST, "/" + i).status()).isEqualTo(200);
      }
    }
    assertThat(echo.requests.get()).isEqualTo(5);
  }

  @Test
  void backendConnectionsArePooledAcrossRequestsAndClients() throws Exception {
    try (ScriptedBackend keepAlive =
        new ScriptedBackend(
            "127.0.0.1",
            0,
            (s, head) -> {
              while (!head.isEmpty()) {
                ScriptedBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                head = ScriptedBackend.readHead(s.getInputStream());
              }
            })) {
      fx.store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(),
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), keepAlive.port()))));
      fx.store.putBackends(KEY, List.of(backend("b1", "test")));
      for (int client = 0; client < 3; client++) {
        try (RawHttp c = client()) {
          for (int i = 0; i < 3; i++) {
            assertThat(c.get(HOST, "/").body()).isEqualTo("ok");
          }
        }
      }
      // Sequential clients may land on different event loops (2 here), each with its own pool.
      assertThat(keepAlive.accepted.get()).isBetween(1, 2);
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      c.send(
          "GET /a HTTP/1.1\r\nHost: "
              + HOST
              + "\r\n\r\nGET /b HTTP/1.1\r\nHost: nope\r\n\r\n"
              + "GET /c HTTP/1.1\r\nHost: "
              + HOST
              + "\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
      assertThat(c.read().status()).isEqualTo(404);
      assertThat(c.read().status()).isEqualTo(200);
    }
  }

  @Test
  void requestBodyIsForwarded() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      c.send(
          "POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 11\r\n\r\nhello world");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).endsWith("\n\nhello world");
      c.send(
          "POST /upload HTTP/1.1\r\nHost: "
              + HOST
              + "\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).endsWith("\n\nhello world");
    }
  }

  @Test
  void expectContinueIsRelayedBeforeTheBody() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      c.send(
          "POST /upload HTTP/1.1\r\nHost: "
              + HOST
              + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      assertThat(c.readHead().status()).isEqualTo(100);
      c.send("hello");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).endsWith("\n\nhello");
      assertThat(c.get(HOST, "/").status()).isEqualTo(200);
    }
  }

  @Test
  void contentLengthWithTransferEncodingIsRefusedAndConnectionClosed() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      c.send(
          "POST / HTTP/1.1\r\nHost: "
              + HOST
              + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: "
              + HOST
              + "\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(echo.requests.get()).isZero();
  }

  @Test
  void duplicateOrInvalidContentLengthIsRefused() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      c.send(
          "POST / HTTP/1.1\r\nHost: "
              + HOST
              + "\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde");
      assertThat(c.read().status()).isEqualTo(400);
      assertThat(c.closedByPeer()).isTrue();
    }
    try (RawHttp c = client()) {
      c.send("POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: -1\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(400);
    }
    assertThat(echo.requests.get()).isZero();
  }

  @Test
  void oversizedHeadersGet431() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      RawHttp.Response r = c.get(HOST, "/", "X-Big: " + "a".repeat(20_000));
      assertThat(r.status()).isEqualTo(431);
      assertThat(c.closedByPeer()).isTrue();
    }
    assertThat(echo.requests.get()).isZero();
  }

  @Test
  void deadBackendIsSkippedForALiveOne() throws Exception {
    // Same port on 127.0.0.2, where nothing listens: connection refused.
    route(backend("dead", "127.0.0.2", "test"), backend("b1", "test"));
    for (int i = 0; i < 6; i++) {
      try (RawHttp c = client()) {
        assertThat(c.get(HOST, "/").status()).isEqualTo(200);
      }
    }
    assertThat(echo.requests.get()).isEqualTo(6);
  }

  @Test
  void allBackendsDownGets502() throws Exception {
    route(backend("dead", "127.0.0.2", "test"), backend("dead2", "127.0.0.3", "test"));
    try (RawHttp c = client()) {
      RawHttp.Response r = c.get(HOST, "/");
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.body()).contains("could not connect");
    }
  }

  @Test
  void streamedResponsesPassThroughUnbuffered() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      c.send("GET /stream HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
      RawHttp.Response head = c.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("transfer-encoding")).isEqualTo("chunked");
      // The backend holds the second event until we saw the first: buffering would deadlock here.
      int size = Integer.parseInt(c.line().trim(), 16);
      assertThat(new String(c.in().readNBytes(size), UTF_8)).isEqualTo("data: first\n\n");
      echo.releaseStream();
      c.line();
      size = Integer.parseInt(c.line().trim(), 16);
      assertThat(new String(c.in().readNBytes(size), UTF_8)).isEqualTo("data: second\n\n");
    }
  }

  @Test
  void http10ClientGetsAChunkedBackendResponseUnchunkedThenClose() throws Exception {
    route(backend("b1", "test"));
    echo.releaseStream();
    try (RawHttp c = client()) {
      c.send("GET /stream HTTP/1.0\r\nHost: " + HOST + "\r\n\r\n");
      RawHttp.Response r = c.read(); // no length, no chunking: reads to end of stream
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("transfer-encoding")).isNull();
      assertThat(r.body()).isEqualTo("data: first\n\ndata: second\n\n");
    }
  }

  @Test
  void headRequestGetsHeadersOnly() throws Exception {
    route(backend("b1", "test"));
    try (RawHttp c = client()) {
      c.send("HEAD / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
      RawHttp.Response r = c.read(true);
      assertThat(r.status()).isEqualTo(200);
      assertThat(c.get(HOST, "/").status()).as("connection still in sync").isEqualTo(200);
    }
  }
}
