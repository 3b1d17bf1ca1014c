package io.flycast.proxy.http;

import static io.flycast.proxy.TestRoutes.backend;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.RouteKey;
import io.flycast.proxy.EchoHttpBackend;
import io.flycast.proxy.ProxyFixture;
import io.flycast.proxy.RawHttp;
import io.flycast.proxy.ScriptedBackend;
import io.flycast.proxy.TestRoutes;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A backend answering with {@code fly-replay} gets the request sent where it asks. */
class FlyReplayTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";

  private ProxyFixture fx;
  private EchoHttpBackend echo;

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture();
    echo = new EchoHttpBackend("good");
  }

  @AfterEach
  void tearDown() {
    fx.close();
    echo.close();
  }

  /**
   * A scripted backend on 127.0.0.2 at the echo backend's port: a route's backends share their
   * target port. Another process can hold that port on 127.0.0.2 (a concurrent build's test, or a
   * connection of it in TIME_WAIT: CI run 28); the echo backend then moves to another port.
   */
  private ScriptedBackend asker(ScriptedBackend.Script script) throws Exception {
    return onEchoPort("127.0.0.2", script);
  }

  /** {@link #asker} on {@code address}. */
  private ScriptedBackend onEchoPort(String address, ScriptedBackend.Script script)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return new ScriptedBackend(address, echo.port(), script);
      } catch (java.net.BindException taken) {
        if (attempt == 5) {
          throw taken;
        }
        echo.close();
        echo = new EchoHttpBackend("good");
      }
    }
  }

  /** A local backend (preferred by the balancer) that always asks for a replay. */
  private ScriptedBackend replayer(String replayHeader) throws Exception {
    return asker(
        (s, head) ->
            ScriptedBackend.write(
                s,
                "HTTP/1.1 200 OK\r\nfly-replay: "
                    + replayHeader
                    + "\r\nContent-Length: 7\r\n\r\nignored"));
  }

  private void route() {
    fx.store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(),
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
    fx.store.putBackends(
        KEY, List.of(backend("asker", "127.0.0.2", "test"), backend("good", "127.0.0.1", "far")));
  }

  @Test
  void replaysToTheNamedInstanceAndTellsItWhereFrom() throws Exception {
    try (ScriptedBackend asker = replayer("instance=good;state=cart42")) {
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("good");
        assertThat(r.header("fly-replay")).isNull();
        assertThat(r.body())
            .contains("fly-replay-src: instance=asker;region=test;t=")
            .contains(";state=cart42");
        // The connection carries on normally afterwards.
        assertThat(c.get(HOST, "/").status()).isEqualTo(200);
      }
      assertThat(asker.heads).hasSize(2);
      assertThat(fx.counter("flycast_proxy_replays", "route", "shop/web", "outcome", "replayed"))
          .isEqualTo(2.0);
    }
  }

  @Test
  void aReplayHeaderWithABareCarriageReturnIsNotFollowed() throws Exception {
    // Its state would go into fly-replay-src on the next backend's request, where a CR ends a line.
    try (ScriptedBackend asker = replayer("instance=good;state=a\rX-Forged: 1")) {
      route();
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", fx.httpPort())) {
        s.setSoTimeout(5_000);
        s.getOutputStream()
            .write(
                ("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                    .getBytes(UTF_8));
        String all =
            new String(
                s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(all)
            .as("the asker's own response, not replayed")
            .startsWith("HTTP/1.1 200 ")
            .doesNotContainIgnoringCase("x-backend: good");
      }
    }
  }

  @Test
  void replaysToARegion() throws Exception {
    try (ScriptedBackend asker = replayer("region=far")) {
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        assertThat(c.get(HOST, "/").header("x-backend")).isEqualTo("good");
      }
    }
  }

  @Test
  void replayToARegionWithoutBackendsGets503() throws Exception {
    try (ScriptedBackend asker = replayer("region=nowhere")) {
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).contains("fly-replay");
      }
    }
  }

  /** A backend that reads the whole body, then asks for a replay. */
  private ScriptedBackend bodyReader(String replayHeader) throws Exception {
    return asker(
        (s, head) -> {
          int length = 0;
          for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
              length = Integer.parseInt(line.substring(15).trim());
            }
          }
          s.getInputStream().readNBytes(length);
          ScriptedBackend.write(
              s,
              "HTTP/1.1 200 OK\r\nfly-replay: "
                  + replayHeader
                  + "\r\nContent-Length: 8\r\n\r\noriginal");
        });
  }

  private static String post(int bodyLength) {
    String body = "x".repeat(bodyLength - 4) + "done";
    return "POST /orders HTTP/1.1\r\nHost: "
        + HOST
        + "\r\nContent-Length: "
        + bodyLength
        + "\r\n\r\n"
        + body;
  }

  @Test
  void replaysARequestWithItsBody() throws Exception {
    try (ScriptedBackend asker = bodyReader("instance=good")) {
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.send(post(100_000)).read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("good");
        assertThat(r.body()).contains("content-length: 100000").endsWith("x".repeat(20) + "done");
        assertThat(r.body().length()).isGreaterThan(100_000);
        // The connection carries on normally afterwards.
        assertThat(c.get(HOST, "/").status()).isEqualTo(200);
      }
      assertThat(fx.counter("flycast_proxy_replays", "outcome", "replayed")).isEqualTo(2.0);
    }
  }

  @Test
  void aBodyOverOneMebibyteGetsTheOriginalResponse() throws Exception {
    try (ScriptedBackend asker = bodyReader("instance=good")) {
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.send(post(ReplayBody.LIMIT + 1)).read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("original");
      }
      assertThat(echo.requests.get()).isZero();
      assertThat(fx.counter("flycast_proxy_replays", "outcome", "body_too_large")).isEqualTo(1.0);
    }
  }

  @Test
  void parsesTheHeaderFields() {
    FlyReplay r =
        FlyReplay.parse(
            "region=\"ams,fra,any\"; instance=web-1 ;state=x;elsewhere=true;app=api;"
                + "prefer_instance=web-2;timeout=800ms;fallback=prefer_self");
    assertThat(r)
        .isEqualTo(
            new FlyReplay(
                "web-1",
                "web-2",
                List.of("ams", "fra", "any"),
                "api",
                true,
                "x",
                java.time.Duration.ofMillis(800),
                FlyReplay.Fallback.PREFER_SELF));
    assertThat(FlyReplay.parse("timeout=2s;region=fra").timeout()).hasSeconds(2);
    assertThat(FlyReplay.parse("state=only")).isNull();
  }

  /** A backend on {@code address} that answers every request with {@code fly-replay: <header>}. */
  private ScriptedBackend replayerAt(String address, String replayHeader) throws Exception {
    return onEchoPort(
        address,
        (s, head) ->
            ScriptedBackend.write(
                s,
                "HTTP/1.1 200 OK\r\nfly-replay: "
                    + replayHeader
                    + "\r\nContent-Length: 7\r\n\r\nignored"));
  }

  @Test
  void aReplayedRequestMayBeReplayedAgainAndTheLastHopSaysWhereFrom() throws Exception {
    try (ScriptedBackend asker = replayer("instance=middle");
        ScriptedBackend middle = replayerAt("127.0.0.3", "instance=good;state=hop2")) {
      fx.store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(),
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
      fx.store.putBackends(
          KEY,
          List.of(
              backend("asker", "127.0.0.2", "test"),
              backend("middle", "127.0.0.3", "far"),
              backend("good", "127.0.0.1", "far")));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("good");
        assertThat(r.body())
            .contains("fly-replay-src: instance=middle;region=far;t=")
            .contains(";state=hop2");
      }
      assertThat(middle.heads)
          .singleElement()
          .asString()
          .contains("fly-replay-src: instance=asker");
      assertThat(fx.counter("flycast_proxy_replays", "outcome", "replayed")).isEqualTo(2.0);
    }
  }

  @Test
  void replayingStopsAfterTenTimes() throws Exception {
    try (ScriptedBackend asker = replayer("instance=asker")) { // asks again, forever
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ignored"); // its own response, after the 10th replay
      }
      assertThat(asker.heads).hasSize(FlyReplay.MAX_REPLAYS + 1);
      assertThat(fx.counter("flycast_proxy_replays", "outcome", "too_many")).isEqualTo(1.0);
    }
  }

  @Test
  void preferInstanceAndRegionListsFallBackToOthers() throws Exception {
    try (ScriptedBackend asker =
        replayer("prefer_instance=missing;region=\"nowhere,any\";elsewhere=true")) {
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        assertThat(c.get(HOST, "/").header("x-backend")).isEqualTo("good");
      }
    }
  }

  @Test
  void forceSelfSendsAnUnreachableReplayBackToTheAskerWithTheReason() throws Exception {
    // The asker replays to a region with no backend, then, once it fell back, answers itself.
    try (ScriptedBackend asker =
        asker(
            (s, head) -> {
              boolean fellBack =
                  head.toLowerCase(java.util.Locale.ROOT).contains("fly-replay-failed:");
              String body =
                  fellBack
                      ? head.lines()
                          .filter(
                              l ->
                                  l.toLowerCase(java.util.Locale.ROOT)
                                      .startsWith("fly-replay-failed:"))
                          .findFirst()
                          .orElseThrow()
                      : "ignored";
              ScriptedBackend.write(
                  s,
                  "HTTP/1.1 200 OK\r\n"
                      + (fellBack
                          ? "fly-replay: instance=good\r\n"
                          : "fly-replay: region=nowhere;fallback=force_self\r\n")
                      + "Content-Length: "
                      + body.length()
                      + "\r\n\r\n"
                      + body);
            })) {
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body())
            .as("no replay after a fallback: the asker's own answer")
            .startsWith("fly-replay-failed: reason=no_backends;target=web.shop.flycast")
            .contains("region=nowhere");
      }
      assertThat(echo.requests.get()).isZero();
      assertThat(fx.counter("flycast_proxy_replays", "outcome", "fell_back")).isEqualTo(1.0);
      assertThat(fx.counter("flycast_proxy_replays", "outcome", "after_fallback")).isEqualTo(1.0);
    }
  }

  @Test
  void aReplayThatReachesNoBackendInTimeGets504() throws Exception {
    // The target's only backend is busy (hard limit 1, held by a streamed response), so the
    // replay waits in the capacity queue until its own timeout=300ms, well before the queue's.
    try (ScriptedBackend asker = replayer("app=busy;timeout=300ms")) {
      route();
      RouteKey busy = new RouteKey("shop", "busy");
      fx.store.putSpec(
          TestRoutes.spec(
              busy,
              "127.0.0.9",
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port())),
              new io.flycast.catalog.Concurrency(
                  io.flycast.catalog.ConcurrencyType.REQUESTS, 1, 1)));
      fx.store.putBackends(busy, List.of(backend("b1", "127.0.0.1", "test")));
      try (RawHttp holder = new RawHttp(fx.httpPort());
          RawHttp c = new RawHttp(fx.httpPort())) {
        holder.send("GET /stream HTTP/1.1\r\nHost: busy.shop.flycast\r\n\r\n");
        assertThat(holder.readHead().status()).isEqualTo(200);
        long start = System.nanoTime();
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.body())
            .contains("fly-replay to busy.shop.flycast reached no backend within 300 ms");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
            .isLessThan(java.time.Duration.ofSeconds(4));
        echo.releaseStream();
      }
    }
  }

  @Test
  void aReplayAskedForByABackendThatHangsUpMidBodyIsStillDoneOnce() throws Exception {
    // The head (with fly-replay) arrives whole, then the backend closes before its body ends.
    try (ScriptedBackend asker =
        asker(
            (s, head) ->
                ScriptedBackend.write(
                    s,
                    """
                    HTTP/1.1 200 OK\r
                    fly-replay: instance=good\r
                    Content-Length: 100\r
                    \r
                    partial\
                    """))) {
      route();
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("good");
        assertThat(c.get(HOST, "/again").status())
            .as("one response per request: the connection is in step")
            .isEqualTo(200);
      }
      assertThat(fx.counter("flycast_proxy_replays", "outcome", "replayed")).isEqualTo(2.0);
    }
  }
}
