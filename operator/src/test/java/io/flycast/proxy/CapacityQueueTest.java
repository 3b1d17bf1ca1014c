package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * When every backend of a route is at its hard limit, work waits for a slot (bounded in time and
 * number) instead of being refused at once, and is served as soon as a slot frees.
 */
class CapacityQueueTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";
  private static final Concurrency ONE_AT_A_TIME = new Concurrency(ConcurrencyType.REQUESTS, 1, 1);

  private static void route(ProxyFixture fx, EchoHttpBackend echo) {
    fx.store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port())),
            ONE_AT_A_TIME));
    fx.store.putBackends(KEY, List.of(backend("b1", "test")));
  }

  /**
   * Takes the route's only slot with a streamed response that lasts until the backend is released.
   */
  private static RawHttp holdTheSlot(ProxyFixture fx) throws Exception {
    RawHttp streaming = new RawHttp(fx.httpPort());
    streaming.send("GET /stream HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
    assertThat(streaming.readHead().status()).isEqualTo(200);
    return streaming;
  }

  private static CompletableFuture<RawHttp.Response> getLater(ProxyFixture fx) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (RawHttp c = new RawHttp(fx.httpPort())) {
            return c.get(HOST, "/queued");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void requestWaitsForTheBusyBackendAndIsServedWhenItFrees() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().queueTimeout(Duration.ofSeconds(30)));
        EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      route(fx, echo);
      try (RawHttp streaming = holdTheSlot(fx)) {
        assertThat(fx.gauge("flycast_proxy_backend_in_flight")).isEqualTo(1.0);
        CompletableFuture<RawHttp.Response> queued = getLater(fx);
        await().until(() -> fx.gauge("flycast_proxy_queued") == 1.0);
        assertThat(queued).isNotDone();

        echo.releaseStream(); // the streamed response ends, and with it the slot
        RawHttp.Response r = queued.get();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("fly-request-id");
      }
      assertThat(fx.gauge("flycast_proxy_queued")).isZero();
      assertThat(fx.histogramCount("flycast_proxy_queue_wait_seconds")).isEqualTo(1);
      assertThat(fx.counter("flycast_proxy_unavailable", "reason", "at_capacity")).isZero();
    }
  }

  @Test
  void waitIsBoundedThen503WithRetryAfterAndTheReason() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().queueTimeout(Duration.ofMillis(300)));
        EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      route(fx, echo);
      try (RawHttp streaming = holdTheSlot(fx);
          RawHttp second = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = second.get(HOST, "/");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("retry-after")).isEqualTo("1");
        assertThat(r.body())
            .contains("web.shop.flycast", "stayed at its concurrency limit for 300 ms");
        assertThat(second.get(HOST, "/again").status())
            .as("the connection stays usable")
            .isEqualTo(503);
        echo.releaseStream();
      }
      assertThat(fx.counter("flycast_proxy_unavailable", "reason", "at_capacity")).isEqualTo(2.0);
      assertThat(fx.gauge("flycast_proxy_queued")).isZero();
    }
  }

  @Test
  void fullQueueRefusesAtOnceWhileTheQueuedOneIsStillServed() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(
                ProxyConfig.builder().queueTimeout(Duration.ofSeconds(30)).maxQueuedPerRoute(1));
        EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      route(fx, echo);
      try (RawHttp streaming = holdTheSlot(fx);
          RawHttp third = new RawHttp(fx.httpPort())) {
        CompletableFuture<RawHttp.Response> queued = getLater(fx);
        await().until(() -> fx.gauge("flycast_proxy_queued") == 1.0);

        RawHttp.Response refused = third.get(HOST, "/");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body())
            .contains("is at its concurrency limit and its queue (1 waiting) is full");

        echo.releaseStream();
        assertThat(queued.get().status()).isEqualTo(200);
      }
    }
  }

  @Test
  void newBackendTakesQueuedWorkWithoutWaitingForARelease() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().queueTimeout(Duration.ofSeconds(30)));
        EchoHttpBackend.Pair pair = EchoHttpBackend.pair("b1", "b2", "127.0.0.2")) {
      EchoHttpBackend echo = pair.first();
      route(fx, echo);
      try (RawHttp streaming = holdTheSlot(fx)) {
        CompletableFuture<RawHttp.Response> queued = getLater(fx);
        await().until(() -> fx.gauge("flycast_proxy_queued") == 1.0);

        // Scaling up: a second backend appears in the catalog while the first is still busy.
        fx.store.putBackends(
            KEY, List.of(backend("b1", "test"), backend("b2", "127.0.0.2", "test")));
        RawHttp.Response r = queued.get();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("b2");
        echo.releaseStream();
      }
    }
  }

  @Test
  void tcpConnectionWaitsForAConnectionSlot() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().queueTimeout(Duration.ofSeconds(30)));
        TcpEchoServer echo = new TcpEchoServer()) {
      int port = TestRoutes.freePort();
      fx.store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(io.flycast.catalog.PortSpec.tcp(port, echo.port())),
              new Concurrency(ConcurrencyType.CONNECTIONS, 1, 1)));
      fx.store.putBackends(KEY, List.of(backend("b1", "test")));
      await().until(() -> fx.proxy.dedicatedPorts().contains(port));
      try (java.net.Socket first = new java.net.Socket("127.0.0.1", port)) {
        first.getOutputStream().write('a');
        assertThat(first.getInputStream().read()).isEqualTo('a'); // the first holds the only slot
        try (java.net.Socket second = new java.net.Socket("127.0.0.1", port)) {
          second.getOutputStream().write('b'); // accepted, but waiting for a backend
          await().until(() -> fx.gauge("flycast_proxy_queued") == 1.0);

          first.close(); // its slot frees when the proxy sees it go
          second.setSoTimeout(10_000);
          assertThat(second.getInputStream().read()).isEqualTo('b');
        }
      }
    }
  }

  @Test
  void aClientThatLeavesWhileQueuedGivesUpItsPlace() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(
                ProxyConfig.builder().queueTimeout(Duration.ofSeconds(30)).maxQueuedPerRoute(1));
        EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      route(fx, echo);
      try (RawHttp streaming = holdTheSlot(fx)) {
        try (RawHttp leaving = new RawHttp(fx.httpPort())) {
          leaving.send("GET /gone HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
          await().until(() -> fx.gauge("flycast_proxy_queued") == 1.0);
        } // hangs up while waiting
        await().atMost(Duration.ofSeconds(5)).until(() -> fx.gauge("flycast_proxy_queued") == 0.0);

        // The place is free again (the queue holds one): the next request waits and is served.
        CompletableFuture<RawHttp.Response> queued = getLater(fx);
        await().until(() -> fx.gauge("flycast_proxy_queued") == 1.0);
        echo.releaseStream();
        assertThat(queued.get().status()).isEqualTo(200);
      }
    }
  }

  @Test
  void aRetryWithEveryBackendAlreadyTriedFailsAtOnceInsteadOfQueueing() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().queueTimeout(Duration.ofSeconds(30)));
        ScriptedBackend hangsUp =
            new ScriptedBackend("127.0.0.1", 0, (sock, head) -> {})) { // closes unanswered
      fx.store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), hangsUp.port())),
              ONE_AT_A_TIME));
      fx.store.putBackends(KEY, List.of(backend("b1", "test")));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        long start = System.nanoTime();
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(502);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      }
      assertThat(fx.histogramCount("flycast_proxy_queue_wait_seconds")).isZero();
    }
  }

  @Test
  void aBackendPassingItsChecksAgainTakesQueuedWork() throws Exception {
    try (ProxyFixture fx =
            new ProxyFixture(ProxyConfig.builder().queueTimeout(Duration.ofSeconds(30)));
        EchoHttpBackend.Pair pair = EchoHttpBackend.pair("b1", "b2", "127.0.0.2")) {
      EchoHttpBackend echo = pair.first();
      java.util.concurrent.atomic.AtomicBoolean b2Healthy =
          new java.util.concurrent.atomic.AtomicBoolean(false);
      fx.proxy.balancer().useHealth((route, backend) -> !backend.equals("b2") || b2Healthy.get());
      fx.store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port())),
              ONE_AT_A_TIME));
      fx.store.putBackends(KEY, List.of(backend("b1", "test"), backend("b2", "127.0.0.2", "test")));
      try (RawHttp streaming = holdTheSlot(fx)) {
        CompletableFuture<RawHttp.Response> queued = getLater(fx);
        await().until(() -> fx.gauge("flycast_proxy_queued") == 1.0);

        b2Healthy.set(true);
        fx.proxy.backendRecovered(KEY); // what the health checker calls on a recovery
        RawHttp.Response r = queued.get();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-backend")).isEqualTo("b2");
        echo.releaseStream();
      }
    }
  }
}
