package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Slow clients and idle connections are cut off. */
class HttpTimeoutTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");

  @Test
  void clientThatNeverFinishesItsHeadersGets408() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().headerReadTimeout(Duration.ofMillis(300)));
        RawHttp c = new RawHttp(fx.httpPort())) {
      c.send("GET / HTTP/1.1\r\nHost: web.shop.flycast\r\n"); // no blank line: head never ends
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void idleKeepAliveConnectionIsClosed() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().idleTimeout(Duration.ofMillis(300)));
        EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      fx.store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(),
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port()))));
      fx.store.putBackends(KEY, List.of(backend("b1", "test")));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        assertThat(c.get("web.shop.flycast", "/").status()).isEqualTo(200);
        long start = System.nanoTime();
        assertThat(c.closedByPeer())
            .isTrue(); // blocks until the proxy closes (socket timeout 10 s)
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void silentUpgradedConnectionIsClosedAfterTheIdleTimeoutBothSides() throws Exception {
    java.util.concurrent.CountDownLatch backendSawClose =
        new java.util.concurrent.CountDownLatch(1);
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().idleTimeout(Duration.ofMillis(500)));
        ScriptedBackend ws =
            new ScriptedBackend(
                "127.0.0.1",
                0,
                (sock, head) -> {
                  ScriptedBackend.write(
                      sock,
                      """
                      HTTP/1.1 101 Switching Protocols\r
                      Upgrade: websocket\r
                      Connection: Upgrade\r
                      \r
                      """);
                  sock.getInputStream()
                      .transferTo(sock.getOutputStream()); // echo until the proxy hangs up
                  backendSawClose.countDown();
                })) {
      fx.store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(),
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), ws.port()))));
      fx.store.putBackends(KEY, List.of(backend("b1", "test")));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        c.send(
            """
            GET /socket HTTP/1.1\r
            Host: web.shop.flycast\r
            Connection: Upgrade\r
            Upgrade: websocket\r
            \r
            """);
        assertThat(c.readHead().status()).isEqualTo(101);
        byte[] frame = {(byte) 0x81, 0x02, 'h', 'i'};
        c.out().write(frame);
        c.out().flush();
        assertThat(c.in().readNBytes(frame.length)).isEqualTo(frame);
        // Now silence in both directions, as nginx's proxy_read_timeout would cut.
        long start = System.nanoTime();
        assertThat(c.closedByPeer()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      }
      assertThat(backendSawClose.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
  }
}
