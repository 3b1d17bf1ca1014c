package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Lifecycle, limits and concurrency of the whole server. */
class ProxyServerTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";

  private static void route(ProxyFixture fx, EchoHttpBackend echo, Concurrency c) {
    fx.store.putSpec(
        TestRoutes.spec(
            KEY, "127.0.0.1", List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port())), c));
    fx.store.putBackends(KEY, List.of(backend("b1", "test")));
  }

  /** What /readyz adds to "informers synced": serving only between start and stop. */
  @Test
  void servesFromStartUntilStop() throws Exception {
    ProxyFixture fx = new ProxyFixture();
    try {
      assertThat(fx.proxy.isServing()).isTrue();
    } finally {
      fx.close();
    }
    assertThat(fx.proxy.isServing()).as("stopping: out of the Service's endpoints").isFalse();
  }

  @Test
  void hardLimitTurnsAwayWorkBeyondItWith503WhenQueueingIsOff() throws Exception {
    try (ProxyFixture fx = new ProxyFixture(ProxyConfig.builder().queueTimeout(Duration.ZERO));
        EchoHttpBackend echo = new EchoHttpBackend("b1")) {
      route(fx, echo, new Concurrency(ConcurrencyType.REQUESTS, 1, 1));
      try (RawHttp streaming = new RawHttp(fx.httpPort());
          RawHttp second = new RawHttp(fx.httpPort())) {
        streaming.send("GET /stream HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
        assertThat(streaming.readHead().status()).isEqualTo(200); // holds the only slot
        RawHttp.Response r = second.get(HOST, "/");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).contains("concurrency limit");
        echo.releaseStream();
        streaming.in().readNBytes(1); // drain a little; the slot frees when the response ends
      }
      assertThat(fx.counter("flycast_proxy_unavailable", "reason", "at_capacity")).isEqualTo(1.0);
    }
  }

  @Test
  void manyConcurrentKeepAliveClientsAllGetTheirOwnAnswers() throws Exception {
    try (ProxyFixture fx = new ProxyFixture();
        EchoHttpBackend echo = new EchoHttpBackend("b1");
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      route(fx, echo, Concurrency.DEFAULT);
      List<Future<Integer>> results = new ArrayList<>();
      for (int client = 0; client < 32; client++) {
        int id = client;
        results.add(
            pool.submit(
                () -> {
                  int ok = 0;
                  try (RawHttp c = new RawHttp(fx.httpPort())) {
                    for (int i = 0; i < 20; i++) {
                      String path = "/c" + id + "/r" + i;
                      c.send(
                          "POST "
                              + path
                              + " HTTP/1.1\r\nHost: "
                              + HOST
                              + "\r\nContent-Length: "
                              + path.length()
                              + "\r\n\r\n"
                              + path);
                      RawHttp.Response r = c.read();
                      if (r.status() == 200 && r.body().endsWith("\n\n" + path)) {
                        ok++;
                      }
                    }
                  }
                  return ok;
                }));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get()).isEqualTo(20);
      }
    }
  }

  @Test
  void startFailsCleanlyWhenTheHttpPortIsTaken() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, TestRoutes.ip("127.0.0.1"))) {
      ProxyServer proxy =
          new ProxyServer(
              ProxyConfig.builder()
                  .httpAddress(
                      new java.net.InetSocketAddress(
                          TestRoutes.ip("127.0.0.1"), taken.getLocalPort()))
                  .workerThreads(1)
                  .build(),
              new io.flycast.catalog.CatalogStore(),
              ProxyMetrics.unregistered());
      org.assertj.core.api.Assertions.assertThatThrownBy(proxy::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot listen on");
      proxy.stop(); // still safe after a failed start
    }
  }

  @Test
  void stopIsIdempotentAndClosesIdleKeepAliveConnectionsPromptly() throws Exception {
    ProxyFixture fx = new ProxyFixture(ProxyConfig.builder().shutdownGrace(Duration.ofSeconds(30)));
    try (EchoHttpBackend echo = new EchoHttpBackend("b1");
        RawHttp c = new RawHttp(fx.httpPort())) {
      route(fx, echo, Concurrency.DEFAULT);
      assertThat(c.get(HOST, "/").status()).isEqualTo(200);
      long start = System.nanoTime();
      fx.proxy.stop(); // the idle connection must not hold stop for the 30 s grace
      fx.proxy.stop();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      assertThat(c.closedByPeer()).isTrue();
    }
  }
}
